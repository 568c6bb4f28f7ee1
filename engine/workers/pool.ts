// Runs in any Node thread. A fixed set of worker threads running one TypeScript module, each doing
// one task at a time: how batch work uses every core (tfjs's wasm backend is single-threaded per
// instance, so parallelism means one engine per thread).
import { Worker } from 'node:worker_threads';
import { FaceKitError, type ErrorInfo } from '../../api/errors.ts';

interface Task<In, Out> {
  input: In;
  resolve: (output: Out) => void;
  reject: (error: Error) => void;
}
type Reply<Out> = { ok: true; output: Out } | { ok: false; error: ErrorInfo };

export class WorkerPool<In, Out> {
  readonly size: number;
  readonly #idle: Worker[] = [];
  readonly #all: Worker[] = [];
  readonly #queue: Task<In, Out>[] = [];
  #failure?: Error;

  /** `module`: a TypeScript worker module that answers with `serveTasks` (./task-worker.ts). */
  constructor(module: URL, size: number, workerData: Record<string, unknown> = {}) {
    this.size = size;
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./ts-worker-boot.mjs', import.meta.url), { workerData: { ...workerData, module: module.href } });
      worker.on('error', (error) => this.#fail(error));
      worker.on('exit', (code) => code !== 0 && this.#fail(new Error(`a worker thread exited with code ${code}`)));
      this.#all.push(worker);
      this.#idle.push(worker);
    }
  }

  run(input: In): Promise<Out> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    for (;;) {
      // the last idle worker takes the oldest task, while there are both
      const worker = this.#idle.at(-1);
      const task = this.#queue[0];
      if (!worker || !task) return;
      this.#idle.pop();
      this.#queue.shift();
      worker.once('message', (reply: Reply<Out>) => {
        this.#idle.push(worker);
        if (reply.ok) task.resolve(reply.output);
        else task.reject(FaceKitError.fromErrorInfo(reply.error));
        this.#dispatch();
      });
      worker.postMessage(task.input);
    }
  }

  /** A crashed worker fails everything still queued: the pool's results would be incomplete anyway. */
  #fail(error: Error): void {
    this.#failure ??= error;
    for (const task of this.#queue.splice(0)) task.reject(error);
  }

  async close(): Promise<void> {
    await Promise.all(this.#all.map((w) => w.terminate()));
  }
}

/**
 * Rejects with CANCELLED, closing the pool, when `signal` aborts (at once if it already has): race it
 * against the pool's work so that Ctrl-C stops the threads and stops the waiting for them.
 */
export function cancelOnAbort(pool: { close(): Promise<void> }, signal: AbortSignal | undefined): Promise<never> {
  const cancelled = new Promise<never>((_, reject) => {
    const stop = () => {
      void pool.close();
      reject(new FaceKitError('CANCELLED', 'cancelled'));
    };
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
  cancelled.catch(() => undefined); // only raced, never awaited on its own
  return cancelled;
}
