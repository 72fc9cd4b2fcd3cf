import { createHash } from 'node:crypto';
import { Channel, PlaybookTrigger, Scene } from '../../graphql/enums';
import type { PlaybookStep } from './playbook.types';

export interface PlaybookDefinition {
  name: string;
  trigger: PlaybookTrigger;
  steps: PlaybookStep[];
}

const step = (name: string, dueAfterHours: number, scene: Scene, channel: Channel | null, repeatEveryHours: number | null = null): PlaybookStep => ({
  name,
  dueAfterHours,
  scene,
  channel,
  repeatEveryHours,
});

/** The care plan's playbooks (../shared/SEEDS.md), which every new workspace starts with. */
export const DEFAULT_PLAYBOOKS: PlaybookDefinition[] = [
  {
    name: 'New customer care',
    trigger: PlaybookTrigger.FIRST_PURCHASE,
    steps: [step('Thank-you', 24, Scene.ONBOARDING, null), step('Check-in', 7 * 24, Scene.AFTER_SALES, null)],
  },
  {
    name: 'Win-back',
    trigger: PlaybookTrigger.BECAME_AT_RISK,
    steps: [step('Win-back contact', 48, Scene.WIN_BACK, null), step('Win-back follow-up', 7 * 24, Scene.WIN_BACK, null)],
  },
  {
    name: 'Complaint care',
    trigger: PlaybookTrigger.COMPLAINT_OPENED,
    steps: [step('Call back', 0.5, Scene.COMPLAINT, Channel.PHONE), step('Daily update', 24, Scene.COMPLAINT, null, 24)],
  },
];

/** The step of a sampled follow-up (抽样回访) of a resolved conversation: a call three days later. */
export const SAMPLED_FOLLOW_UP = step('Sampled follow-up', 72, Scene.AFTER_SALES, Channel.PHONE);

/** Whether a resolved conversation is in the follow-up sample: a hash of its id, so the same every time, under `rate`. */
export const isSampled = (id: string, rate: number): boolean => createHash('sha256').update(id).digest().readUInt32BE(0) / 2 ** 32 < rate;
