// Test-only. Runs the real `facekit` command in a child process, as a user's shell would.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { ROOT, tempDir } from './fixtures.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed --json output: tests read its fields directly
  json: any;
}

let dataDir: string | undefined;

/**
 * Runs `facekit ARGS`. FACEKIT_DATA_DIR defaults to a temporary folder (one per test file), so the error
 * log and anything else under the data folder never lands in the real home directory.
 */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const data = process.env.FACEKIT_DATA_DIR ? {} : { FACEKIT_DATA_DIR: (dataDir ??= tempDir('facekit-cli-data-')) };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin', 'facekit.js'), ...args],
      { env: { ...process.env, ...data, ...env }, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        let json: unknown;
        try {
          json = JSON.parse(stdout);
        } catch {
          json = undefined;
        }
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr, json });
      },
    );
  });
}
