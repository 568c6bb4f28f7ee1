// Runs in the engine host's faces worker, in registry mode only (#13). The local cache's link to the registry
// server: follows it (db/sync/replica.ts follow(): pull on change notices, flush the queued check-ins, retry
// while the server is away), knows whether it is reachable, and tells every UI: 'data.changed' after a sync
// that changed what the screens show, 'store.status' when online ↔ offline, the queue or the error changes.
import { FaceKitError, isFaceKitError } from '../api/errors.ts';
import type { EventName, Events, StoreStatus } from '../api/definition.ts';
import type { StoreKey } from '../db/key.ts';
import type { Store } from '../db/store.ts';
import { defaultKioskName } from '../engine/runtime/paths.ts';
import { Replica, type FlushReport, type PullReport, type SyncReport } from '../db/sync/replica.ts';

/** How often a lost server is retried and the queue flushed; FACEKIT_REGISTRY_RETRY_MS overrides (tests). */
export const DEFAULT_RETRY_MS = 5000;

export function retryMsFrom(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.FACEKIT_REGISTRY_RETRY_MS);
  return Number.isInteger(value) && value >= 50 ? value : DEFAULT_RETRY_MS;
}

type Emit = <E extends EventName>(event: E, payload: Events[E]) => void;

export class RegistryLink {
  readonly replica: Replica;
  readonly #emit: Emit;
  readonly #retryMs: number;
  #online: boolean | null = null;
  #lastError: string | null = null;
  /** The last status pushed, without lastSyncAt (it moves on every retry): a push only when something else changed. */
  #shown = '';
  #stop: (() => Promise<void>) | undefined;
  #flushing: Promise<void> | undefined;

  constructor(replica: Replica, emit: Emit, retryMs = retryMsFrom()) {
    this.replica = replica;
    this.#emit = emit;
    this.#retryMs = retryMs;
  }

  /** Starts following the server; its first sync runs at once. */
  start(): void {
    this.#stop ??= this.replica.follow((report) => this.#synced(report), this.#retryMs);
  }

  status(): StoreStatus {
    const s = this.replica.status();
    return {
      kind: 'registry',
      location: s.url,
      online: this.#online,
      queued: s.queued,
      lastSyncAt: s.lastSyncAt,
      lastError: this.#lastError,
      kiosk: this.replica.kiosk,
    };
  }

  /**
   * A check-in was queued: the queue grew (pushed now), and while the server is there it is sent now rather
   * than at the next retry. One flush at a time; a flush racing follow()'s is harmless (idempotency keys).
   */
  checkedIn(): void {
    this.#publish();
    if (this.#online === false || this.#flushing) return;
    this.#flushing = this.replica
      .flush()
      .then((flushed) => this.#reached(flushed))
      .catch((error: unknown) => this.#failed(error))
      .finally(() => (this.#flushing = undefined));
  }

  /** A call that needed the server failed (e.g. an enrolment): the status says so at once, not at the next retry. */
  noteFailure(error: unknown): void {
    if (isFaceKitError(error, 'DISCONNECTED')) this.#failed(error);
  }

  async close(): Promise<void> {
    await this.#stop?.();
    this.#stop = undefined;
    await this.#flushing;
    await this.replica.close();
  }

  #synced(report: SyncReport | { error: FaceKitError }): void {
    if ('error' in report) return this.#failed(report.error);
    this.#changed(report.pulled);
    this.#reached(report.flushed);
  }

  #reached(flushed: FlushReport): void {
    this.#online = true;
    this.#lastError = null;
    // A check-in the server refused (the person came in at another door within the cool-down) left this cache.
    if (flushed.cooldown > 0) this.#emit('data.changed', { what: 'checkins' });
    this.#publish();
  }

  #failed(error: unknown): void {
    this.#online = false;
    this.#lastError = (isFaceKitError(error) ? error : FaceKitError.from(error)).message;
    this.#publish();
  }

  #changed(pulled: PullReport): void {
    // A person removed at another kiosk is purged here with their faces and check-ins.
    const purged = pulled.purged.people > 0;
    if (pulled.people > 0 || pulled.faces > 0 || purged) this.#emit('data.changed', { what: 'people' });
    if (pulled.checkins > 0 || purged) this.#emit('data.changed', { what: 'checkins' });
  }

  #publish(): void {
    const status = this.status();
    const { lastSyncAt: _moving, ...compared } = status;
    const shown = JSON.stringify(compared);
    if (shown === this.#shown) return;
    this.#shown = shown;
    this.#emit('store.status', status);
  }
}

/** The faces worker's link: a replica of the cache (kiosk name: FACEKIT_KIOSK or the host name), already following. */
export function openRegistryLink(store: Store, url: string, key: StoreKey | undefined, emit: Emit): RegistryLink {
  if (key === undefined)
    throw new FaceKitError(
      'STORE_KEY',
      'registry mode needs FACEKIT_KEY: the cache and the faces sent to the server are encrypted with it',
    );
  const link = new RegistryLink(new Replica(store, { url, key, kiosk: defaultKioskName() }), emit);
  link.start();
  return link;
}
