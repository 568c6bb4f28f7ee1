// Runs anywhere (store, CLI, Electron main). What a store key is; no SQLite import, so the Electron main
// process can make one without loading the native module.
import { randomBytes } from 'node:crypto';
import { FaceKitError } from '../api/errors.ts';

/**
 * A passphrase (stretched by PBKDF2, ≈ 0.2 s per open), or a raw 256-bit key written `x'<64 hex>'`
 * (used as is: the app's keychain key is random, so stretching it would only cost time).
 */
export type StoreKey = string;

/** A random raw key, as the desktop app makes once and keeps in the OS keychain. */
export function newRawKey(): StoreKey {
  return `x'${randomBytes(32).toString('hex')}'`;
}

export function checkKey(key: unknown): asserts key is StoreKey {
  if (typeof key !== 'string' || key.length === 0) throw new FaceKitError('BAD_INPUT', 'the store key is empty');
}
