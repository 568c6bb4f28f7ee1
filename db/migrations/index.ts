// Every schema migration, in order. Append new ones; never reorder or edit released ones.
import type { Migration } from '../migrate.ts';
import * as m001 from './001-initial.ts';
import * as m002 from './002-gallery.ts';
import * as m003 from './003-face-thumbnails.ts';
import * as m004 from './004-face-changes.ts';
import * as m005 from './005-face-upgrades.ts';
import * as m006 from './006-registry-cache.ts';
import * as m007 from './007-spoof-attempts.ts';
import * as m008 from './008-visitors.ts';

export const migrations: readonly Migration[] = [m001, m002, m003, m004, m005, m006, m007, m008];

/** The newest schema version this build knows. */
export const latestVersion: number = migrations.length;
