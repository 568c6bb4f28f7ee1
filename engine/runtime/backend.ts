// Runs in the engine process (CLI, tests, Electron's engine worker). Picks the fastest tfjs backend that
// works on this machine and records why the faster ones were not used, for `facekit doctor` and the UI.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { tf } from './tf.ts';
import { FaceKitError } from '../../api/errors.ts';

export type BackendName = 'gpu' | 'node' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['gpu', 'node', 'wasm', 'cpu'];

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why it was not used (or, for the chosen one, why it was). */
  reason: string;
}

export interface BackendReport {
  /** Our name for the backend in use. */
  name: BackendName;
  /** tfjs's own name for it: tensorflow, wasm or cpu. */
  tfBackend: string;
  /** Set when FACEKIT_BACKEND (or the caller) forced the choice. */
  forced: boolean;
  attempts: BackendAttempt[];
  versions: Record<string, string>;
}

const require = createRequire(import.meta.url);

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const [line = ''] = text.split('\n', 1); // split yields at least one
  return line.slice(0, 200);
}

/** tfjs-node-gpu loads on machines without CUDA and silently runs on the CPU; look for the runtime first. */
function findCudaRuntime(): string | undefined {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':'),
    process.env.CUDA_PATH ? path.join(process.env.CUDA_PATH, 'lib64') : '',
    '/usr/local/cuda/lib64',
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib64',
  ].filter(Boolean);
  for (const dir of dirs) {
    try {
      const hit = fs.readdirSync(dir).find((f) => f.startsWith('libcudart.so'));
      if (hit) return path.join(dir, hit);
    } catch {
      // a missing directory is the common case
    }
  }
  return undefined;
}

async function tryNative(pkg: string): Promise<void> {
  // The package registers the 'tensorflow' backend as a side effect of loading.
  require(pkg);
  if (!tf.findBackend('tensorflow')) throw new Error(`${pkg} loaded but registered no backend`);
  if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend failed to start');
}

/** The directory holding tfjs-backend-wasm's .wasm binaries (they ship in the npm package). */
export function wasmBinaryDir(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

async function tryWasm(): Promise<void> {
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(wasmBinaryDir());
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm module failed to start');
}

async function tryBackend(name: BackendName): Promise<string> {
  switch (name) {
    case 'gpu': {
      if (process.platform !== 'linux') throw new Error(`tfjs-node-gpu supports Linux only (this is ${process.platform})`);
      const cuda = findCudaRuntime();
      if (!cuda) throw new Error('no CUDA runtime (libcudart) found');
      await tryNative('@tensorflow/tfjs-node-gpu');
      return `CUDA runtime ${cuda}`;
    }
    case 'node':
      await tryNative('@tensorflow/tfjs-node');
      return 'native TensorFlow library';
    case 'wasm':
      await tryWasm();
      return 'WebAssembly with SIMD, one thread';
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to start');
      return 'pure JavaScript, slowest';
  }
}

function notInstalledReason(name: BackendName, error: unknown): string {
  const text = errorText(error);
  if (/Cannot find module '@tensorflow\/tfjs-node(-gpu)?'/.test(text)) {
    const pkg = name === 'gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
    return `${pkg} is not installed (its install step downloads libtensorflow; it fails offline)`;
  }
  return text;
}

function versions(): Record<string, string> {
  const out: Record<string, string> = { node: process.versions.node, tfjs: tf.version.tfjs };
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm']) {
    try {
      out[pkg] = (require(`${pkg}/package.json`) as { version: string }).version;
    } catch {
      // not installed
    }
  }
  return out;
}

export function parseBackendName(value: string, source: string): BackendName {
  if ((BACKEND_ORDER as readonly string[]).includes(value)) return value as BackendName;
  throw new FaceKitError('BAD_INPUT', `${source}=${value} is not a backend; use one of ${BACKEND_ORDER.join(', ')}`);
}

let chosen: Promise<BackendReport> | undefined;

/**
 * Starts the backend once per process. `FACEKIT_BACKEND=gpu|node|wasm|cpu` forces one; a forced backend
 * that cannot start is an error rather than a silent fallback.
 */
export function initBackend(force: BackendName | undefined = envBackend()): Promise<BackendReport> {
  chosen ??= selectBackend(force);
  return chosen;
}

function envBackend(): BackendName | undefined {
  const value = process.env.FACEKIT_BACKEND;
  return value ? parseBackendName(value, 'FACEKIT_BACKEND') : undefined;
}

async function selectBackend(force: BackendName | undefined): Promise<BackendReport> {
  const attempts: BackendAttempt[] = [];
  const candidates = force ? [force] : BACKEND_ORDER;
  for (const name of candidates) {
    try {
      const why = await tryBackend(name);
      await tf.ready();
      attempts.push({ name, ok: true, reason: force ? `forced by FACEKIT_BACKEND; ${why}` : why });
      return { name, tfBackend: tf.getBackend(), forced: Boolean(force), attempts, versions: versions() };
    } catch (error) {
      attempts.push({ name, ok: false, reason: notInstalledReason(name, error) });
    }
  }
  chosen = undefined;
  const detail = attempts.map((a) => `${a.name}: ${a.reason}`).join('; ');
  throw new FaceKitError('INTERNAL', `no TensorFlow.js backend could start (${detail})`);
}

/** One line for logs and the status bar, e.g. "wasm (gpu: no CUDA runtime found; node: not installed)". */
export function describeBackend(report: BackendReport): string {
  const skipped = report.attempts.filter((a) => !a.ok).map((a) => `${a.name}: ${a.reason}`);
  return skipped.length ? `${report.name} (${skipped.join('; ')})` : report.name;
}
