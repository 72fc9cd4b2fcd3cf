import { Entity, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { Workspace } from '../workspace/workspace.entity';
import type { WeeklyReport } from './weekly-report.types';

/** A week's service and business metrics and experiment results, stored on the Monday after so weeks can be compared. */
@Entity({ tableName: 'weekly_report' })
@WorkspaceScoped()
@Unique({ properties: ['workspace', 'weekStart'] })
export class StoredWeeklyReport {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  /** The week's Monday, in the workspace's time zone. */
  @Property({ type: 'text' })
  weekStart!: string;

  /** The report as GraphQL's WeeklyReport answers it. */
  @Property({ type: 'jsonb' })
  report!: WeeklyReport;

  @Property()
  createdAt: Date = new Date();
}
