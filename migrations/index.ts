import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123003832 } from './Migration20261123003832';
import { Migration20261123004932 } from './Migration20261123004932';
import { Migration20261123055622 } from './Migration20261123055622';
import { Migration20261123065026 } from './Migration20261123065026';

/** Every migration, oldest first. Listed here so compiled and ts-jest runs find the same set. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261123003832', class: Migration20261123003832 },
  { name: 'Migration20261123004932', class: Migration20261123004932 },
  { name: 'Migration20261123055622', class: Migration20261123055622 },
  { name: 'Migration20261123065026', class: Migration20261123065026 },
];
