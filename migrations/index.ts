import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123003832 } from './Migration20261123003832';
import { Migration20261123004932 } from './Migration20261123004932';
import { Migration20261123055622 } from './Migration20261123055622';
import { Migration20261123063248 } from './Migration20261123063248';
import { Migration20261123065026 } from './Migration20261123065026';
import { Migration20261123065500 } from './Migration20261123065500';
import { Migration20261123070500 } from './Migration20261123070500';
import { Migration20261123071000 } from './Migration20261123071000';
import { Migration20261123071500 } from './Migration20261123071500';
import { Migration20261123080000 } from './Migration20261123080000';
import { Migration20261123100000 } from './Migration20261123100000';
import { Migration20261123110000 } from './Migration20261123110000';
import { Migration20261123120000 } from './Migration20261123120000';
import { Migration20261124090000 } from './Migration20261124090000';
import { Migration20261203150000 } from './Migration20261203150000';
import { Migration20261203170000 } from './Migration20261203170000';
import { Migration20261206120000 } from './Migration20261206120000';
import { Migration20261206140000 } from './Migration20261206140000';
import { Migration20261206150000 } from './Migration20261206150000';
import { Migration20261207090000 } from './Migration20261207090000';
import { Migration20261207100000 } from './Migration20261207100000';

/** Every migration, oldest first. Listed here so compiled and ts-jest runs find the same set. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261123003832', class: Migration20261123003832 },
  { name: 'Migration20261123004932', class: Migration20261123004932 },
  { name: 'Migration20261123055622', class: Migration20261123055622 },
  { name: 'Migration20261123063248', class: Migration20261123063248 },
  { name: 'Migration20261123065026', class: Migration20261123065026 },
  { name: 'Migration20261123065500', class: Migration20261123065500 },
  { name: 'Migration20261123070500', class: Migration20261123070500 },
  { name: 'Migration20261123071000', class: Migration20261123071000 },
  { name: 'Migration20261123071500', class: Migration20261123071500 },
  { name: 'Migration20261123080000', class: Migration20261123080000 },
  { name: 'Migration20261123100000', class: Migration20261123100000 },
  { name: 'Migration20261123110000', class: Migration20261123110000 },
  { name: 'Migration20261123120000', class: Migration20261123120000 },
  { name: 'Migration20261124090000', class: Migration20261124090000 },
  { name: 'Migration20261203150000', class: Migration20261203150000 },
  { name: 'Migration20261203170000', class: Migration20261203170000 },
  { name: 'Migration20261206120000', class: Migration20261206120000 },
  { name: 'Migration20261206140000', class: Migration20261206140000 },
  { name: 'Migration20261206150000', class: Migration20261206150000 },
  { name: 'Migration20261207090000', class: Migration20261207090000 },
  { name: 'Migration20261207100000', class: Migration20261207100000 },
];
