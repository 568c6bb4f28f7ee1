// Runs in the Electron main process or in `facekit serve`: owns the engine's worker threads, checks
// every call against the api definition, routes it to its worker, and fans events out. The calling
// thread never does engine work itself, so the UI (and the WebSocket) stay responsive.
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { defaultDbPath, dataDir as defaultDataDir } from '../engine/runtime/paths.ts';
import { isCallName, parseArgs, type AppInfo, type EventMessage, type ResponseMessage } from '../api/definition.ts';
import { FaceKitError } from '../api/errors.ts';
import { reportUnexpected } from '../engine/runtime/error-log.ts';
import { redactUrl } from '../db/postgres/client.ts';
import { roleFor, type WorkerConfig, type WorkerRole } from './roles.ts';

export interface EngineHostOptions {
  shell: 'electron' | 'browser';
  dbPath?: string;
  dataDir?: string;
  /** Opens (or encrypts) the store with this key (db/encryption.ts); undefined: a plain store. */
  storeKey?: string;
  /** Where the key came from, or why there is none (shown in Settings). */
  keyNote?: string;
  /** Registry mode (#13): the server's postgres:// URL; dbPath is then the local cache, opened with storeKey (FACEKIT_KEY). */
  registryUrl?: string;
  /** URL of the bundled worker entry (Electron build); default: the TypeScript source through tsx. */
  workerUrl?: URL;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** One worker thread; restarted on the next call if it dies (e.g. out of memory in a huge style job). */
class EngineWorker {
  #worker?: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor(
    private readonly config: WorkerConfig,
    private readonly workerUrl: URL | undefined,
    private readonly onEvent: (message: EventMessage) => void,
    private readonly dataDir: string,
  ) {}

  #start(): Worker {
    const source = new URL('./engine-worker.ts', import.meta.url).href;
    const worker = this.workerUrl
      ? new Worker(this.workerUrl, { workerData: this.config })
      : new Worker(new URL('../engine/workers/ts-worker-boot.mjs', import.meta.url), { workerData: { ...this.config, module: source } });
    worker.on('message', (message: ResponseMessage | EventMessage | { type: 'ready' }) => {
      if (message.type === 'event') return this.onEvent(message);
      if (message.type !== 'result') return;
      const call = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.ok) call?.resolve(message.result);
      else call?.reject(FaceKitError.fromErrorInfo(message.error));
    });
    // A dead worker is unexpected: logged once (with the crash's stack when there is one), then every pending call fails with it.
    const fail = (message: string, cause?: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      if (!this.#pending.size && !cause) return; // a clean exit with nothing in flight (close())
      const error = reportUnexpected(new FaceKitError('INTERNAL', message, { cause }), {
        dataDir: this.dataDir,
        where: `engine host (${this.config.role})`,
      });
      for (const call of this.#pending.values()) call.reject(error);
      this.#pending.clear();
    };
    worker.on('error', (error) => fail(`the ${this.config.role} engine stopped: ${error.message}`, error));
    worker.on('exit', (code) => fail(`the ${this.config.role} engine exited (code ${code})`));
    return worker;
  }

  call(method: string, args: unknown): Promise<unknown> {
    this.#worker ??= this.#start();
    const id = this.#nextId++;
    const worker = this.#worker;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ type: 'call', id, method, args });
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (!worker) return;
    worker.postMessage({ type: 'close' });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    const timeout = setTimeout(() => void worker.terminate(), 2000); // resolves on 'exit', awaited just below
    await exited;
    clearTimeout(timeout);
  }
}

export class EngineHost {
  readonly dbPath: string;
  readonly dataDir: string;
  readonly #workers: Record<WorkerRole, EngineWorker>;
  readonly #listeners = new Set<(message: EventMessage) => void>();

  private constructor(options: EngineHostOptions) {
    this.dataDir = path.resolve(options.dataDir ?? defaultDataDir());
    this.dbPath = path.resolve(options.dbPath ?? defaultDbPath());
    const emit = (message: EventMessage) => this.#listeners.forEach((listener) => listener(message));
    const keyNote = options.keyNote ?? (options.storeKey === undefined ? 'no key configured' : 'key given at start');
    const config = (role: WorkerRole): WorkerConfig => ({
      role,
      dbPath: this.dbPath,
      dataDir: this.dataDir,
      shell: options.shell,
      storeKey: options.storeKey,
      keyNote,
      // The style worker needs no registry: it reads and writes the gallery only.
      ...(role === 'faces' && options.registryUrl !== undefined && { registryUrl: options.registryUrl }),
    });
    const worker = (role: WorkerRole) => new EngineWorker(config(role), options.workerUrl, emit, this.dataDir);
    this.#workers = { faces: worker('faces'), style: worker('style') };
  }

  /** What `app.info` said when the host started (backend, store path): the check that the engine came up. */
  startupInfo!: AppInfo;

  /** Starts the host and checks that the engine comes up (store opens, backend starts). */
  static async start(options: EngineHostOptions): Promise<EngineHost> {
    if (options.registryUrl !== undefined && options.storeKey === undefined) {
      throw new FaceKitError(
        'STORE_KEY',
        `registry mode (${redactUrl(options.registryUrl)}) needs FACEKIT_KEY, the same on every kiosk: faces are encrypted with it before they reach the server`,
      );
    }
    const host = new EngineHost(options);
    host.startupInfo = (await host.call('app.info', {})) as AppInfo;
    return host;
  }

  /** Validates the method and its arguments, then runs it in its worker. Rejects with a FaceKitError. */
  async call(method: string, args: unknown): Promise<unknown> {
    if (!isCallName(method)) throw new FaceKitError('BAD_INPUT', `unknown call "${String(method).slice(0, 100)}"`);
    const parsed = parseArgs(method, args); // BAD_INPUT naming the method and each problem
    return this.#workers[roleFor(method)].call(method, parsed);
  }

  onEvent(listener: (message: EventMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.#workers).map((w) => w.close()));
    this.#listeners.clear();
  }
}
