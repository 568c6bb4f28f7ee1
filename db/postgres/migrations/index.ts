// Every registry (PostgreSQL) migration, in order. Append new ones; never reorder or edit released ones.
import type { Migration } from '../../migrate.ts';
import * as m001 from './001-registry.ts';
import * as m002 from './002-deletions.ts';

export const registryMigrations: readonly Migration[] = [m001, m002];
