// Test helper: runs `facekit serve` as a child process on a fresh data folder and store, the way a
// user would, and hands back its URL (first stdout line).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'facekit.js');

export interface AppServer {
  url: string;
  origin: string;
  dataDir: string;
  dbPath: string;
  stderr: () => string;
  stop(): Promise<void>;
}

export async function startAppServer(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<AppServer> {
  fs.mkdirSync(dataDir, { recursive: true });
  const dbPath = path.join(dataDir, 'facekit.db');
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
    env: { ...process.env, FACEKIT_DATA_DIR: dataDir, FACEKIT_DB: dbPath, FACEKIT_MODELS_DIR: path.join(dataDir, 'models'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`facekit serve exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    origin: new URL(url).origin,
    dataDir,
    dbPath,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
