// Runs in the CLI. Checking a store file someone hands us (a backup to restore), and putting it in place
// of the store in one rename.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { FaceKitError, isFaceKitError } from '../api/errors.ts';
import { assertKnownVersion } from './migrate.ts';
import { migrations } from './migrations/index.ts';
import { applyKey } from './encryption.ts';
import type { StoreKey } from './key.ts';
import { sideFiles, storeFileState, writeThroughWorkFile } from './store-file.ts';

export interface StoreFileInfo {
  schemaVersion: number;
  encrypted: boolean;
  people: number;
  faces: number;
}

/** Tables every FaceKit schema has had since version 1. */
const REQUIRED_TABLES = ['people', 'photos', 'faces', 'checkins', 'settings'];

function openChecked(file: string, key: StoreKey | undefined, readonly: boolean): { db: Database.Database; encrypted: boolean } {
  if (!fs.existsSync(file)) throw new FaceKitError('NOT_FOUND', 'no such file', file);
  const state = storeFileState(file);
  if (state === 'missing') throw new FaceKitError('BAD_INPUT', 'the file is empty: not a FaceKit store', file);
  const encrypted = state === 'other';
  if (encrypted && key === undefined)
    throw new FaceKitError('STORE_KEY', 'the file is encrypted (or not a FaceKit store) and no key was given', file);
  const db = new Database(file, { readonly, fileMustExist: true });
  try {
    if (encrypted && key !== undefined) applyKey(db, key); // a missing key was refused above
    db.pragma('busy_timeout = 5000');
    db.pragma('user_version'); // the first read: a wrong key fails here
    return { db, encrypted };
  } catch (error) {
    db.close();
    throw describeOpenError(error, file, encrypted);
  }
}

function describeOpenError(error: unknown, file: string, encrypted: boolean): unknown {
  if (isFaceKitError(error)) return error;
  const code = (error as { code?: string }).code;
  if (code === 'SQLITE_NOTADB' && encrypted)
    return new FaceKitError('STORE_KEY', 'cannot open it: wrong key (or not a FaceKit store)', file);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
    return new FaceKitError('BAD_INPUT', `not a FaceKit store (${(error as Error).message})`, file);
  return error;
}

/** Opens `file` read-only (with `key` when it is encrypted) and checks it is a sound FaceKit store of a schema this build knows. */
export function inspectStoreFile(file: string, key?: StoreKey): StoreFileInfo {
  const { db, encrypted } = openChecked(file, key, true);
  try {
    const schemaVersion = assertKnownVersion(db, migrations);
    const tables = new Set(db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).pluck().all() as string[]);
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
    if (schemaVersion === 0 || missing.length) {
      throw new FaceKitError(
        'BAD_INPUT',
        `not a FaceKit store (schema version ${schemaVersion}${missing.length ? `, no ${missing.join(', ')} table` : ''})`,
        file,
      );
    }
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new FaceKitError('BAD_INPUT', `the store is damaged: ${String(check)}`, file);
    const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    return { schemaVersion, encrypted, people: count('people'), faces: count('faces') };
  } catch (error) {
    throw describeOpenError(error, file, encrypted);
  } finally {
    db.close();
  }
}

/**
 * Folds the store's WAL into its file and leaves WAL mode, so that no -wal of the old store can be
 * replayed onto the file that replaces it. Changing the journal mode needs the only connection: this
 * is what refuses while the app or `facekit serve` has the store open. A store that cannot be opened
 * (wrong key, damaged) is what restore is for, so that is not an error.
 */
function releaseStore(store: string, key: StoreKey | undefined): void {
  if (storeFileState(store) === 'missing') return;
  let opened: { db: Database.Database } | undefined;
  try {
    opened = openChecked(store, key, false);
  } catch {
    return;
  }
  const { db } = opened;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
      throw new FaceKitError(
        'CONFLICT',
        'the store is open in another FaceKit process (the app, facekit serve); close it, then restore again',
        store,
      );
    }
    throw error;
  } finally {
    db.close();
  }
}

/**
 * Replaces the store with the backup `source`: checked first (read-only, with the key), then copied
 * next to the store (VACUUM INTO: complete even if the source has a -wal, same cipher and key), then
 * moved over the store in one rename. A crash leaves the old store or the new one.
 */
export function restoreStoreFile(source: string, store: string, key: StoreKey | undefined): StoreFileInfo {
  const info = inspectStoreFile(source, key);
  fs.mkdirSync(path.dirname(store), { recursive: true });
  writeThroughWorkFile(store, 'restoring', (work) => {
    const { db } = openChecked(source, key, true);
    try {
      db.prepare('VACUUM INTO ?').run(work);
    } finally {
      db.close();
    }
    fs.chmodSync(work, 0o600);
    releaseStore(store, key);
    for (const stale of sideFiles(store)) fs.rmSync(stale, { force: true });
  });
  return info;
}
