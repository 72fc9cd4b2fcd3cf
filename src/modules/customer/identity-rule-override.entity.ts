import { ArrayType, Entity, Enum, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { IdentityType } from '../../graphql/enums';
import { Workspace } from '../workspace/workspace.entity';

/** A workspace's own rule for one identifier type, over the defaults; types without one use the defaults. */
@Entity({ tableName: 'identity_rule_row' })
@WorkspaceScoped()
@Unique({ properties: ['workspace', 'type'] })
export class IdentityRuleOverride {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { deleteRule: 'cascade' })
  workspace!: Workspace;

  @Enum({ items: () => IdentityType })
  type!: IdentityType;

  @Property({ type: 'integer', nullable: true })
  maxPerCustomer?: number | null;

  @Property()
  priority!: number;

  @Property({ type: ArrayType })
  blockedValues: string[] = [];
}
