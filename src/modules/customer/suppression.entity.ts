import { Entity, Enum, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { IdentityType } from '../../graphql/enums';
import { Workspace } from '../workspace/workspace.entity';

/** An identifier of an erased customer, kept only as a hash so ingestion can refuse it. */
@Entity()
@WorkspaceScoped()
@Unique({ properties: ['workspace', 'type', 'valueHash'] })
export class Suppression {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { deleteRule: 'cascade' })
  workspace!: Workspace;

  @Enum({ items: () => IdentityType })
  type!: IdentityType;

  @Property({ length: 64 })
  valueHash!: string;

  @Property()
  createdAt: Date = new Date();
}
