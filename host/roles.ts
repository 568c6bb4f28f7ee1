// Runs in the engine host. Which worker thread serves which call: style transfer gets a thread of its
// own, so a two-minute optimisation never delays a kiosk frame or a click in People.
import type { CallName } from '../api/definition.ts';

export type WorkerRole = 'faces' | 'style';

export function roleFor(method: CallName): WorkerRole {
  return method.startsWith('style.') ? 'style' : 'faces';
}

export interface WorkerConfig {
  role: WorkerRole;
  dbPath: string;
  dataDir: string;
  shell: 'electron' | 'browser';
  /** The store key, handed over in memory (workerData): never through the environment or a file. */
  storeKey?: string;
  /** Where the key came from, or why the store is not encrypted: shown in Settings. */
  keyNote: string;
  /** Registry mode (#13, faces worker only): the server's postgres:// URL; dbPath is then this machine's cache. */
  registryUrl?: string;
  /** Set when started through ts-worker-boot.mjs: the TypeScript module to load. */
  module?: string;
}
