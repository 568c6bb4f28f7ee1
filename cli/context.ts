// Runs in the CLI. What every command shares: global options, the store (opened on first use), and
// output that is either for people (stdout lines, progress on stderr) or for programs (one JSON object).
import fs from 'node:fs';
import type { Command } from 'commander';
import { Store } from '../db/store.ts';
import { defaultDbPath, defaultKioskName } from '../engine/runtime/paths.ts';
import { createProgress, type Progress, type ProgressOptions } from './progress.ts';
import { isEncryptedFile, KEY_ENV, missingKeyError, resolveStoreKey } from './store-key.ts';
import type { StoreKey } from '../db/key.ts';
import { createModelRegistry, type EngineModels } from '../engine/models/loaded-models.ts';
import { isRegistryUrl, redactUrl } from '../db/postgres/client.ts';
import { FaceKitError, isFaceKitError } from '../api/errors.ts';
import { Replica } from '../db/sync/replica.ts';

export interface GlobalOptions {
  db?: string;
  json?: boolean;
}

export class CliContext {
  readonly json: boolean;
  readonly dbPath: string;
  /** Registry mode (FACEKIT_DB / --db is postgres://…): the server; dbPath is then the local cache. */
  readonly registryUrl: string | undefined;
  /** Stores opened by any command in this process, closed once when the CLI exits. */
  private static readonly open = new Map<string, Store>();
  /** The store key for this run ($FACEKIT_KEY or typed in), set before the command runs. */
  private static key: StoreKey | undefined;
  /** The networks of this process: each loads on first use and stays until the CLI exits. */
  private static loadedModels: EngineModels | undefined;
  /** Registry mode: the replication of the cache (db/sync/replica.ts), made by prepareRegistry. */
  private static replica: Replica | undefined;

  constructor(options: GlobalOptions) {
    this.json = Boolean(options.json);
    const db = options.db ?? defaultDbPath();
    this.registryUrl = isRegistryUrl(db) ? db : undefined;
    this.dbPath = this.registryUrl === undefined ? db : defaultDbPath({ ...process.env, FACEKIT_DB: '' });
  }

  static from(command: Command): CliContext {
    return new CliContext(command.optsWithGlobals<GlobalOptions>());
  }

  /** Resolves the key before a command runs (a prompt needs to wait; store() does not). */
  static async prepareKey(command: Command, extraFiles: string[] = []): Promise<void> {
    CliContext.key ??= await resolveStoreKey([CliContext.from(command).dbPath, ...extraFiles]);
  }

  /**
   * Registry mode only: opens the cache and its replica, and (but for commands that report what moved or
   * where things stand) pulls the registry's changes; an unreachable server is a note, the cache serves.
   */
  static async prepareRegistry(command: Command, pull: boolean): Promise<void> {
    const ctx = CliContext.from(command);
    if (ctx.registryUrl === undefined || CliContext.replica) return;
    if (CliContext.key === undefined) {
      throw new FaceKitError(
        'STORE_KEY',
        `registry mode (${redactUrl(ctx.registryUrl)}) needs ${KEY_ENV}: faces are encrypted with it before they reach the server`,
      );
    }
    CliContext.replica = new Replica(ctx.store(), {
      url: ctx.registryUrl,
      key: CliContext.key,
      kiosk: kioskName(command),
    });
    if (!pull) return;
    try {
      await CliContext.replica.pull();
    } catch (error) {
      if (!isFaceKitError(error, 'DISCONNECTED')) throw error;
      const last = CliContext.replica.status().lastSyncAt;
      ctx.note(`facekit: ${error.message}; working from the local cache (last sync ${last ?? 'never'})`);
    }
  }

  /** Registry mode: the replica of this run; undefined in SQLite mode. */
  get registry(): Replica | undefined {
    return CliContext.replica;
  }

  static async closeRegistry(): Promise<void> {
    await CliContext.replica?.close();
    CliContext.replica = undefined;
  }

  /** The key the store is opened with; undefined: no encryption (and an encrypted store cannot be opened). */
  get storeKey(): StoreKey | undefined {
    return CliContext.key;
  }

  /** Fails with the FACEKIT_KEY advice when the store is encrypted and there is no key. */
  requireKeyIfEncrypted(): void {
    if (CliContext.key === undefined && isEncryptedFile(this.dbPath)) throw missingKeyError(this.dbPath);
  }

  store(): Store {
    let store = CliContext.open.get(this.dbPath);
    if (!store) {
      this.requireKeyIfEncrypted();
      store = Store.open(this.dbPath, { key: CliContext.key });
      // One command, one process: building the HNSW index costs more than the few exact scans it would save.
      store.faceSearch.annMinFaces = Infinity;
      CliContext.open.set(this.dbPath, store);
    }
    return store;
  }

  /** The process's model registry (one per CLI run, shared by every command it runs). */
  models(): EngineModels {
    return (CliContext.loadedModels ??= createModelRegistry());
  }

  /** A setting from the store when one exists at the path; commands that need no store do not create one. */
  storedSetting(key: string): unknown {
    if (!CliContext.open.has(this.dbPath) && !fs.existsSync(this.dbPath)) return undefined;
    return this.store().getSetting(key);
  }

  static closeAll(): void {
    for (const store of CliContext.open.values()) store.close();
    CliContext.open.clear();
    CliContext.loadedModels?.unloadAll();
  }

  /** Prints the human lines, or in --json mode the value as one JSON object. */
  output(value: unknown, human: () => string | string[]): void {
    if (this.json) {
      process.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
      return;
    }
    const text = human();
    process.stdout.write(`${Array.isArray(text) ? text.join('\n') : text}\n`);
  }

  /** A note for the person at the terminal, on stderr, never mixed into JSON. */
  note(message: string): void {
    if (!this.json) process.stderr.write(`${message}\n`);
  }

  progress(label: string, total: number, options?: ProgressOptions): Progress {
    return createProgress(label, total, !this.json, options);
  }

  /** A bar for work whose total is only known from its first progress event (downloads, jobs). */
  progressWhenKnown(
    label: string,
    options?: ProgressOptions,
  ): { update(done: number, total: number, detail?: string): void; finish(): void } {
    let bar: Progress | undefined;
    return {
      update: (done, total, detail) => {
        bar ??= this.progress(label, total, options);
        bar.update(done, detail);
      },
      finish: () => bar?.finish(),
    };
  }
}

/** This kiosk's name, recorded with its check-ins in registry mode: --kiosk (`facekit checkin`), else $FACEKIT_KIOSK, else the host name. */
export function kioskName(command: Command): string {
  return command.opts<{ kiosk?: string }>().kiosk || defaultKioskName();
}

/** Embeddings and other typed arrays print as plain arrays; numbers are rounded for reading. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Float32Array) return Array.from(value, (v) => Number(v.toFixed(6)));
  if (typeof value === 'number' && !Number.isInteger(value)) return Number(value.toFixed(4));
  return value;
}

export function formatDistance(distance: number): string {
  return Number.isFinite(distance) ? distance.toFixed(3) : '∞';
}
