// Runs in Node. Installs a model file the user already has (e.g. copied from a machine with internet):
// size + md5 check, structure check, then copy to `<dest>.part` and an atomic rename into place.
import fs from 'node:fs';
import path from 'node:path';
import { FaceKitError, throwIfCancelled } from '../../api/errors.ts';
import { checkFile, md5File, type ExpectedFile } from './checksum.ts';
import { downloadableFile, getModel, type ModelManifest } from './manifest.ts';
import { installPath } from './registry.ts';
import { validateModelFile } from './validate.ts';

export interface ImportModelOptions {
  /** Models root to install into (default `userModelsDir()`); the file lands in `<destDir>/<model dir>/<name>`. */
  destDir?: string;
  env?: NodeJS.ProcessEnv;
  manifest?: ModelManifest;
  /** Size/md5 to check instead of the manifest's (tests). Also relaxes the VGG19 check to a consistent channel chain. */
  expected?: ExpectedFile;
  /** Install a file whose md5/size differ from the manifest's (it must still be valid VGG19 weights). */
  allowChecksumMismatch?: boolean;
  signal?: AbortSignal;
}

export interface ImportModelResult {
  path: string;
  bytes: number;
  md5: string;
  /** False only when `allowChecksumMismatch` let a different file through. */
  checksumMatched: boolean;
}

export async function importModel(id: string, file: string, opts: ImportModelOptions = {}): Promise<ImportModelResult> {
  const entry = getModel(id, opts.manifest);
  const wanted = downloadableFile(entry);
  const expected: ExpectedFile = opts.expected ?? { md5: wanted.md5, size: wanted.size };
  const source = path.resolve(file);
  const check = await checkFile(source, expected, opts.signal);
  if (!check.ok && !opts.allowChecksumMismatch) {
    throw new FaceKitError(
      'BAD_INPUT',
      `not the expected ${wanted.name}: ${check.problem}. Copy the file again (it may be incomplete)`,
      { file: source, details: { reason: 'checksum-mismatch', model: id } },
    );
  }
  await validateModelFile(id, source, { strict: !opts.expected });
  throwIfCancelled(opts.signal);

  const dest = installPath(id, { env: opts.env, manifest: opts.manifest, destDir: opts.destDir });
  // checkFile skips hashing when the size is already wrong.
  const md5 = check.md5 || (await md5File(source, opts.signal));
  if (path.resolve(dest) !== source) {
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    // Not `<dest>.part`: that may be a paused download worth resuming.
    const part = `${dest}.import-${process.pid}.part`;
    try {
      fs.copyFileSync(source, part);
      fs.renameSync(part, dest);
    } catch (error) {
      fs.rmSync(part, { force: true });
      throw new FaceKitError('INTERNAL', `cannot install into ${path.dirname(dest)} (${(error as Error).message})`);
    }
  }
  return { path: dest, bytes: check.size, md5, checksumMatched: check.ok };
}
