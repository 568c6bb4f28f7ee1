// Runs in the Electron main process. The desktop app's store key: 256 random bits made once and kept in
// <userData>/store-key.bin, encrypted by the OS keychain (Electron safeStorage: Keychain on macOS,
// DPAPI on Windows, the Secret Service or KWallet on Linux). No Electron import here, so tests check
// the decisions; index.ts passes safeStorage in. The key reaches the engine's workers in memory only.
import fs from 'node:fs';
import path from 'node:path';
import { FaceKitError } from '../../api/errors.ts';
import { newRawKey, type StoreKey } from '../../db/key.ts';
import { replaceFile, storeFileState } from '../../db/store-file.ts';

/** What index.ts adapts from safeStorage. */
export interface Keychain {
  isAvailable(): Promise<boolean>;
  /** Linux only: the password store in use. 'basic_text' is a hard-coded password, not a keychain. */
  backend(): string | undefined;
  encrypt(text: string): Promise<Buffer>;
  decrypt(data: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
}

export interface AppStoreKey {
  /** undefined: the store stays unencrypted (no keychain), and `note` says why. */
  key?: StoreKey;
  /** Shown in Settings (and as a warning in the status bar when there is no key). */
  note: string;
}

export const KEY_FILE = 'store-key.bin';

function writeKeyFile(file: string, data: Buffer): void {
  const work = `${file}.partial`;
  fs.writeFileSync(work, data, { mode: 0o600 });
  replaceFile(work, file);
}

function readKeyFile(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * FACEKIT_KEY when set (so the CLI can share the store), else the keychain's key, made on first start.
 * Without a usable keychain a new or plaintext store stays unencrypted, with a note saying so; an
 * encrypted store whose key cannot be had is an error, never silently replaced.
 */
export async function loadAppStoreKey(options: {
  userData: string;
  dbPath: string;
  keychain: Keychain;
  env?: NodeJS.ProcessEnv;
}): Promise<AppStoreKey> {
  const { userData, dbPath, keychain, env = process.env } = options;
  if (env.FACEKIT_KEY) return { key: env.FACEKIT_KEY, note: 'encrypted with the key in FACEKIT_KEY' };

  const file = path.join(userData, KEY_FILE);
  const stored = readKeyFile(file);
  const available = (await keychain.isAvailable()) && keychain.backend() !== 'basic_text';
  const encryptedStore = storeFileState(dbPath) === 'other';
  if (!available) {
    if (stored || encryptedStore) {
      throw new FaceKitError(
        'STORE_KEY',
        'the store is encrypted and its key is kept by the OS keychain, which is not available now (on Linux: unlock GNOME Keyring or KWallet), or set FACEKIT_KEY',
        dbPath,
      );
    }
    return {
      note: 'not encrypted: the OS keychain is not available (on Linux: no GNOME Keyring or KWallet); set FACEKIT_KEY to encrypt the store',
    };
  }
  if (stored) {
    let decrypted: { result: string; shouldReEncrypt: boolean };
    try {
      decrypted = await keychain.decrypt(stored);
    } catch (error) {
      throw new FaceKitError('STORE_KEY', `the OS keychain cannot decrypt the store key: ${(error as Error).message}`, file);
    }
    if (decrypted.shouldReEncrypt) writeKeyFile(file, await keychain.encrypt(decrypted.result));
    return { key: decrypted.result, note: 'encrypted; the key is kept by the OS keychain' };
  }
  if (encryptedStore) {
    throw new FaceKitError(
      'STORE_KEY',
      `the store is encrypted but its key file ${KEY_FILE} is missing; set FACEKIT_KEY if you encrypted it with your own key, or restore a backup`,
      dbPath,
    );
  }
  const key = newRawKey();
  fs.mkdirSync(userData, { recursive: true });
  writeKeyFile(file, await keychain.encrypt(key)); // kept before any data is encrypted with it
  return { key, note: 'encrypted; the key is kept by the OS keychain' };
}
