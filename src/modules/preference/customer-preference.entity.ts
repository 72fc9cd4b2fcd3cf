import { ArrayType, Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { WorkspaceScoped } from '../../db/workspace-filter';
import type { Channel } from '../../graphql/enums';
import { Workspace } from '../workspace/workspace.entity';

/** A customer's own contact preferences; absent until first set. */
@Entity()
@WorkspaceScoped()
export class CustomerPreference {
  @PrimaryKey({ type: 'uuid' })
  customerId!: string;

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  /** Channels in the customer's order of preference. */
  @Property({ type: ArrayType })
  preferredChannels: Channel[] = [];

  @Property({ type: 'text', nullable: true })
  language?: string | null;

  /** IANA time zone; when null, the workspace's applies. */
  @Property({ type: 'text', nullable: true })
  timezone?: string | null;

  /** Local HH:MM; the window may cross midnight. */
  @Property({ type: 'text', nullable: true })
  quietStart?: string | null;

  @Property({ type: 'text', nullable: true })
  quietEnd?: string | null;

  @Property({ type: 'integer', nullable: true })
  capMaxContacts?: number | null;

  @Property({ type: 'integer', nullable: true })
  capPerDays?: number | null;

  @Property()
  updatedAt: Date = new Date();
}
