// Runs in the CLI. Where the store's key comes from: $FACEKIT_KEY, else — when a store file involved is
// encrypted and stdin is a terminal — a prompt on stderr that does not echo. Without either, a plain
// store stays plain and an encrypted one cannot be opened (exit 3, saying to set FACEKIT_KEY).
import readline from 'node:readline';
import { Writable } from 'node:stream';
import { FaceKitError } from '../api/errors.ts';
import { storeFileState } from '../db/store-file.ts';
import type { StoreKey } from '../db/key.ts';

export const KEY_ENV = 'FACEKIT_KEY';

export function keyFromEnv(env: NodeJS.ProcessEnv = process.env): StoreKey | undefined {
  const key = env[KEY_ENV];
  if (key === undefined) return undefined;
  if (key === '') throw new FaceKitError('BAD_INPUT', `${KEY_ENV} is set but empty; unset it for a store without encryption`);
  return key;
}

export function isEncryptedFile(file: string): boolean {
  return storeFileState(file) === 'other';
}

export function missingKeyError(file: string): FaceKitError {
  return new FaceKitError(
    'STORE_KEY',
    `the store is encrypted: set ${KEY_ENV} to its key (or run facekit in a terminal to be asked for it)`,
    file,
  );
}

/** The key for `files`: from the environment, or asked for when one of them is encrypted and we can ask. */
export async function resolveStoreKey(files: string[]): Promise<StoreKey | undefined> {
  const fromEnv = keyFromEnv();
  if (fromEnv !== undefined) return fromEnv;
  const encrypted = files.find(isEncryptedFile);
  if (encrypted === undefined || !process.stdin.isTTY) return undefined;
  return promptHidden(`Key for ${encrypted}: `);
}

/** Reads one line from the terminal without echoing it; Ctrl-C or Ctrl-D cancel. */
async function promptHidden(question: string): Promise<string> {
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  // The interface first: it turns the terminal's echo off, so nothing typed after the prompt shows.
  const rl = readline.createInterface({ input: process.stdin, output: muted, terminal: true });
  process.stderr.write(question);
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      rl.once('line', resolve);
      rl.once('SIGINT', () => reject(new FaceKitError('CANCELLED', 'cancelled')));
      rl.once('close', () => reject(new FaceKitError('CANCELLED', 'no key entered')));
    });
    if (answer === '') throw new FaceKitError('BAD_INPUT', 'no key entered');
    return answer;
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}
