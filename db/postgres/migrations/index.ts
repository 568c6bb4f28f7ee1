// Every registry (PostgreSQL) migration, in order. Append new ones; never reorder or edit released ones.
import type { Migration } from '../../migrate.ts';
import * as m001 from './001-registry.ts';

export const registryMigrations: readonly Migration[] = [m001];
