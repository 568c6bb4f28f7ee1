// Runs in the engine and the CLI. Encryption at rest with SQLite3 Multiple Ciphers in SQLCipher 4's
// format (AES-256-CBC, HMAC-SHA512 on every page, PBKDF2-SHA512 × 256 000 for a passphrase), so the
// file also opens in the sqlcipher shell or DB Browser for SQLite given the same key. Knows nothing of
// FaceKit's schema: the caller passes its checks in.
import fs from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { FaceKitError } from '../api/errors.ts';
import { checkKey, type StoreKey } from './key.ts';
import { removeDatabaseFiles, replaceFile, sideFiles, workFile } from './store-file.ts';

function selectCipher(db: Database.Database): void {
  db.pragma(`cipher = 'sqlcipher'`);
  db.pragma('legacy = 4');
}

/** Selects the cipher and sets the key; call before the first read of the connection. */
export function applyKey(db: Database.Database, key: StoreKey): void {
  checkKey(key);
  selectCipher(db);
  db.key(Buffer.from(key, 'utf8'));
}

/** What must survive the encryption unchanged: schema version and the row count of every table. */
function snapshot(db: Database.Database): string {
  const tables = db
    .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
    .pluck()
    .all() as string[];
  const counts = tables.map(
    (t) =>
      `${t}=${
        db
          .prepare(`SELECT count(*) FROM "${t.replaceAll('"', '""')}"`)
          .pluck()
          .get() as number
      }`,
  );
  return `user_version=${db.pragma('user_version', { simple: true }) as number};${counts.join(';')}`;
}

function verifyEncrypted(file: string, key: StoreKey, expected: string): void {
  // Not read-only: a read-only connection would leave a -wal and -shm behind for this WAL file.
  const db = new Database(file, { fileMustExist: true });
  try {
    applyKey(db, key);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new FaceKitError('INTERNAL', `the encrypted copy fails its integrity check (${String(check)})`, file);
    const got = snapshot(db);
    if (got !== expected)
      throw new FaceKitError('INTERNAL', `the encrypted copy differs from the original (${got} instead of ${expected})`, file);
  } finally {
    db.close();
  }
}

/** Best effort: overwrite what was the plaintext file (the rename already unlinked it) before letting go. */
function wipe(fd: number): void {
  try {
    const size = fs.fstatSync(fd).size;
    const zeros = Buffer.alloc(Math.min(size, 1 << 20));
    for (let at = 0; at < size; at += zeros.length) fs.writeSync(fd, zeros, 0, Math.min(zeros.length, size - at), at);
    fs.fsyncSync(fd);
  } catch {
    // The encrypted store is already in place; a failed wipe leaves only unlinked blocks behind.
  }
}

/**
 * Encrypts an existing plaintext store with `key`. The original stays untouched until an encrypted,
 * verified copy replaces it in one rename, so a crash at any point leaves either the old plaintext
 * store or the new encrypted one at `file` (and at worst a leftover work file, removed next time).
 * Steps: merge the WAL into the file and leave WAL mode (SQLite3 Multiple Ciphers cannot rekey a WAL
 * database; this also fails while another process has the store open) → copy to `<file>.encrypting`
 * → PRAGMA rekey there → back to WAL → reopen with the key and compare → rename over the original →
 * overwrite the old plaintext bytes.
 */
export function encryptPlaintextStore(file: string, key: StoreKey, checkSchema: (db: Database.Database) => void): void {
  checkKey(key);
  const work = workFile(file, 'encrypting');
  removeDatabaseFiles(work); // left by an interrupted attempt; the original was never touched
  const original = new Database(file, { fileMustExist: true });
  try {
    original.pragma('busy_timeout = 5000');
    checkSchema(original); // e.g. a newer schema is refused before anything is written
    original.pragma('wal_checkpoint(TRUNCATE)');
    let mode: unknown;
    original.pragma('busy_timeout = 1000'); // waiting longer would not make the app close the store
    try {
      mode = original.pragma('journal_mode = DELETE', { simple: true });
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
        throw new FaceKitError(
          'CONFLICT',
          'cannot encrypt the store while another FaceKit process (the app, facekit serve) has it open; close that, then try again',
          file,
        );
      }
      throw error;
    }
    if (mode !== 'delete')
      throw new FaceKitError('INTERNAL', `could not leave WAL mode to encrypt the store (journal_mode is ${String(mode)})`, file);
    // A read transaction keeps writers out while the copy is made and checked.
    original.exec('BEGIN');
    const expected = snapshot(original);
    fs.copyFileSync(file, work);

    const copy = new Database(work, { fileMustExist: true });
    try {
      selectCipher(copy);
      copy.rekey(Buffer.from(key, 'utf8'));
      const walMode = copy.pragma('journal_mode = WAL', { simple: true });
      if (walMode !== 'wal')
        throw new FaceKitError('INTERNAL', `could not return the encrypted copy to WAL mode (${String(walMode)})`, work);
    } finally {
      copy.close();
    }
    verifyEncrypted(work, key, expected);
    for (const side of sideFiles(work)) fs.rmSync(side, { force: true });

    original.exec('COMMIT');
    original.close(); // Windows cannot rename over a file SQLite holds open
    const old = fs.openSync(file, 'r+');
    try {
      replaceFile(work, file);
      wipe(old);
    } finally {
      fs.closeSync(old);
    }
  } catch (error) {
    removeDatabaseFiles(work);
    throw error;
  } finally {
    if (original.open) original.close();
  }
}
