// Runs in Node. Streams a file through md5 (the hash Keras publishes for its weights) and checks size + md5.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { FaceKitError } from '../../api/errors.ts';

export interface ExpectedFile {
  md5: string;
  /** Bytes; checked before hashing when given. */
  size?: number;
}

export async function md5File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = crypto.createHash('md5');
  await pipeline(fs.createReadStream(file), hash, { signal });
  return hash.digest('hex');
}

export interface ChecksumResult {
  md5: string;
  size: number;
  ok: boolean;
  /** Why it does not match, for messages. */
  problem?: string;
}

export async function checkFile(file: string, expected: ExpectedFile, signal?: AbortSignal): Promise<ChecksumResult> {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw new FaceKitError('NOT_FOUND', 'no such file', file);
  }
  if (expected.size !== undefined && size !== expected.size) {
    return { md5: '', size, ok: false, problem: `size is ${size} bytes, expected ${expected.size}` };
  }
  const md5 = await md5File(file, signal).catch((error: unknown) => {
    if (signal?.aborted) throw new FaceKitError('CANCELLED', 'cancelled');
    throw error;
  });
  const ok = md5 === expected.md5.toLowerCase();
  return { md5, size, ok, problem: ok ? undefined : `md5 is ${md5}, expected ${expected.md5}` };
}
