import { Entity, OptionalProps, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { Role } from '../../graphql/enums';
import { Node } from '../../graphql/node';
import { Workspace } from './workspace.entity';

@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'createdAt'] })
@ObjectType({ implements: Node })
export class ApiKey implements Node {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { deleteRule: 'cascade' })
  workspace!: Workspace;

  @Property()
  @Field()
  name!: string;

  @Enum({ items: () => Role, nativeEnumName: 'role' })
  @Field(() => Role)
  role!: Role;

  @Property({ length: 16 })
  @Field({ description: 'First characters of the key, for recognising it; the secret itself is shown once, at creation.' })
  prefix!: string;

  /** sha256 of the secret, hex; the secret itself is never stored. */
  @Property({ length: 64, unique: true })
  hash!: string;

  @Property()
  @Field()
  createdAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  lastUsedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  revokedAt?: Date | null;
}
