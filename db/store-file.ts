// Runs anywhere (store, CLI, Electron main). The store as a file on disk, without opening SQLite: is it
// there, is it a plain SQLite file, its side files, and crash-safe replacement (write, fsync, rename).
import fs from 'node:fs';
import path from 'node:path';

/** Every plain SQLite file starts with these 16 bytes; an encrypted one starts with random salt. */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** 'missing' (absent or empty: SQLite makes a new store), 'plaintext' SQLite, or 'other' (encrypted, or not SQLite at all). */
export type StoreFileState = 'missing' | 'plaintext' | 'other';

export function storeFileState(file: string): StoreFileState {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const read = fs.readSync(fd, head, 0, head.length, 0);
    if (read === 0) return 'missing';
    return read === head.length && head.equals(SQLITE_HEADER) ? 'plaintext' : 'other';
  } finally {
    fs.closeSync(fd);
  }
}

/** SQLite's companions of a database file: write-ahead log, its index, the rollback journal. */
export function sideFiles(file: string): string[] {
  return [`${file}-wal`, `${file}-shm`, `${file}-journal`];
}

/** Removes a database file and its side files, if present. */
export function removeDatabaseFiles(file: string): void {
  for (const f of [file, ...sideFiles(file)]) fs.rmSync(f, { force: true });
}

export function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes a rename durable. Windows cannot open a directory for fsync; NTFS journals the rename itself. */
export function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Moves `source` (a finished file in the same folder) over `target` in one step: after a crash the
 * target is either the old file or the new one, never a mix.
 */
export function replaceFile(source: string, target: string): void {
  fsyncFile(source);
  fs.renameSync(source, target);
  fsyncDir(path.dirname(target));
}

/**
 * A work file next to `file` (one filesystem, so the final rename is atomic). The name is fixed, not
 * per process, so a leftover from a crash is found and removed by the next attempt.
 */
export function workFile(file: string, purpose: 'encrypting' | 'restoring' | 'partial'): string {
  return `${file}.${purpose}`;
}

/**
 * Writes `target` crash-safely: `write` fills the work file (a leftover from a crash is cleared first),
 * which replaces `target` in one rename only once `write` has returned; on failure it is removed.
 */
export function writeThroughWorkFile<T>(target: string, purpose: 'restoring' | 'partial', write: (work: string) => T): T {
  const work = workFile(target, purpose);
  removeDatabaseFiles(work);
  try {
    const result = write(work);
    replaceFile(work, target);
    return result;
  } catch (error) {
    removeDatabaseFiles(work);
    throw error;
  }
}
