// Runs wherever the store does (the CLI; later the engine host's faces worker). Registry mode: the local
// SQLite store is a cache of a shared PostgreSQL registry. Reads (identify, verify, the kiosk's search)
// stay local and as fast as before; this class keeps the cache in step:
// - pull(): every registry row after the cache's cursor, biometrics decrypted here, applied in one
//   SQLite transaction through the table writers (db/repositories/), with server ↔ local id maps.
// - enrol(): server first (person + face in one transaction), then a pull brings it into the cache.
// - checkIn(): local check-in + outbox row in one transaction (works offline); flush() sends the outbox,
//   each row exactly once (idempotency key), the server applying the cool-down across kiosks.
// - renamePerson/mergePeople/removePerson(): server first, then a pull; a pull applies the registry's
//   tombstones (a removed person purged as Store.removePerson does, their queued check-ins dropped).
// - follow(): LISTEN for other kiosks' changes and pull; retries the outbox while the server is away.
import { randomUUID } from 'node:crypto';
import { FaceKitError, isFaceKitError } from '../../api/errors.ts';
import type { StoreKey } from '../key.ts';
import type { Store } from '../store.ts';
import type { NewFace, PersonRow, PhotoInfo } from '../types.ts';
import { checkFace, checkPhoto, isoTime } from '../validate.ts';
import { connectRegistry, isConnectionError, redactUrl, unreachable, type RegistryClient } from '../postgres/client.ts';
import {
  CHANGES_CHANNEL,
  changesSince,
  enrolFace as registryEnrolFace,
  insertCheckin,
  mergePeople as registryMergePeople,
  removePerson as registryRemovePerson,
  renamePerson as registryRenamePerson,
  type Changes,
  type CheckinOutcome,
  type Deletion,
} from '../postgres/registry.ts';
import { mergePersonRows, purgePersonRows, type Repositories } from '../repositories/index.ts';
import { RegistryCacheRepository } from '../repositories/registry-cache.ts';
import { openRegistry } from './registry-session.ts';
import { openFace, sealFace, type FacePayload, type RegistryKeys } from './crypto.ts';

export interface ReplicaOptions {
  /** postgres://user@host:port/db */
  url: string;
  /** FACEKIT_KEY: the cache's SQLCipher key and the source of the biometrics key. */
  key: StoreKey;
  /** This kiosk's name, recorded with its check-ins. */
  kiosk?: string;
  connectTimeoutMs?: number;
  /** Rows per pull page (default 1000): a first pull of a large registry is many short transactions, not one. */
  pullPageSize?: number;
}

export interface PullReport {
  people: number;
  faces: number;
  checkins: number;
  /** People removed on the registry and purged here (faces, photo records, check-ins, queued check-ins). */
  purged: PurgeCounts;
  cursor: number;
}

export interface PurgeCounts {
  people: number;
  faces: number;
  photos: number;
  checkins: number;
  /** Queued check-ins of removed people, dropped unsent. */
  queued: number;
}

export interface FlushReport {
  /** Accepted by the server now. */
  sent: number;
  /** Already on the server (a retry after a lost answer): nothing doubled. */
  already: number;
  /** Dropped: the same person was checked in within the cool-down at another kiosk. */
  cooldown: number;
  /** Dropped: the person was removed from the registry before the check-in reached it. */
  removed: number;
  /** Still queued. */
  queued: number;
}

export interface SyncReport {
  flushed: FlushReport;
  pulled: PullReport;
}

export interface ReplicaStatus {
  url: string;
  registryId: string | null;
  cursor: number;
  lastSyncAt: string | null;
  queued: number;
}

export interface QueuedCheckin {
  key: string;
  localId: number;
}

const STATE_REGISTRY = 'registry_id';
const STATE_CURSOR = 'cursor';
const STATE_LAST_SYNC = 'last_sync_at';

const now = (): string => new Date().toISOString();

export class Replica {
  readonly store: Store;
  readonly url: string;
  readonly kiosk: string;
  readonly #key: StoreKey;
  readonly #timeoutMs: number;
  readonly #pageSize: number;
  #client: RegistryClient | undefined;
  #connecting: Promise<{ client: RegistryClient; keys: RegistryKeys }> | undefined;
  #keys: RegistryKeys | undefined;
  #registryId: string | undefined;
  /** One registry conversation at a time on the one connection (pg queues queries, not transactions). */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(store: Store, options: ReplicaOptions) {
    if (!store.encrypted) {
      throw new FaceKitError(
        'STORE_KEY',
        'registry mode needs FACEKIT_KEY: the local cache and the biometrics sent to the server are encrypted with it',
      );
    }
    this.store = store;
    this.url = options.url;
    this.#key = options.key;
    this.kiosk = options.kiosk ?? 'kiosk';
    this.#timeoutMs = options.connectTimeoutMs ?? 3000;
    this.#pageSize = options.pullPageSize ?? 1000;
  }

  /** Connects (once), migrates the registry, and checks the key against it: a wrong key is STORE_KEY here. */
  async connect(): Promise<{ client: RegistryClient; keys: RegistryKeys }> {
    if (this.#client && this.#keys) return { client: this.#client, keys: this.#keys };
    this.#connecting ??= (async () => {
      const { client, keys, registryId } = await openRegistry(this.url, this.#key, this.#timeoutMs);
      const followed = this.store.replicate((db) => new RegistryCacheRepository(db).getState(STATE_REGISTRY));
      if (followed !== undefined && followed !== registryId) {
        await client.end().catch(() => undefined);
        throw new FaceKitError(
          'CONFLICT',
          `this local cache (${this.store.file}) follows another registry (${followed}); use another data folder`,
        );
      }
      client.on('end', () => {
        if (this.#client === client) this.#client = undefined;
      });
      this.#client = client;
      this.#keys = keys;
      this.#registryId = registryId;
      return { client, keys };
    })().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  /** Runs one registry conversation, serialised; a dropped connection is forgotten and reported as unreachable. */
  async #talk<T>(fn: (client: RegistryClient, keys: RegistryKeys) => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      const { client, keys } = await this.connect();
      try {
        return await fn(client, keys);
      } catch (error) {
        if (isConnectionError(error) && !isFaceKitError(error)) {
          this.#drop(client);
          throw unreachable(this.url, error);
        }
        throw error;
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #drop(client: RegistryClient): void {
    if (this.#client === client) this.#client = undefined;
    void client.end().catch(() => undefined);
  }

  /** Brings every registry change after the cache's cursor into the cache, a page (one local transaction) at a time. */
  async pull(): Promise<PullReport> {
    let total: PullReport | undefined;
    for (;;) {
      const { report, more } = await this.#pullPage();
      total = total === undefined ? report : addPullReports(total, report);
      if (!more) return total;
    }
  }

  /** One page of changes (pullPageSize rows by seq, each page's cursor saved with it), decrypted before any is written. */
  async #pullPage(): Promise<{ report: PullReport; more: boolean }> {
    const cursor = this.status().cursor;
    const { changes, keys } = await this.#talk(async (client, k) => ({
      changes: await changesSince(client, cursor, this.#pageSize),
      keys: k,
    }));
    const opened = new Map(changes.faces.map((f) => [f.id, openFace(keys, f)]));
    const report = this.store.replicate((db, repo) =>
      applyChanges(new RegistryCacheRepository(db), repo, changes, opened, this.#registryId),
    );
    if (report.purged.people > 0) this.store.checkpointAfterPurge(); // as Store.removePerson: no old pages left in the WAL
    if (changes.more && report.cursor <= cursor) throw new FaceKitError('INTERNAL', `a registry pull page did not move past ${cursor}`);
    return { report, more: changes.more };
  }

  /** Sends every queued check-in, oldest first; stops (leaving the rest queued) when the server goes away. */
  async flush(): Promise<FlushReport> {
    const report: FlushReport = { sent: 0, already: 0, cooldown: 0, removed: 0, queued: 0 };
    const cache = (): RegistryCacheRepository => this.store.replicate((db) => new RegistryCacheRepository(db));
    for (const row of this.store.replicate((db) => new RegistryCacheRepository(db).outbox())) {
      const serverPerson = row.personId === null ? null : (cache().serverPerson(row.personId) ?? null);
      let outcome: CheckinOutcome;
      try {
        outcome = await this.#talk((client) =>
          insertCheckin(client, {
            key: row.key,
            personId: serverPerson,
            personName: row.personName,
            distance: row.distance,
            at: row.at,
            source: row.source,
            kiosk: row.kiosk,
            cooldownSeconds: serverPerson === null ? 0 : row.cooldownSeconds,
          }),
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.store.replicate((db) => new RegistryCacheRepository(db).noteFailure(row.key, message));
        throw error;
      }
      this.store.replicate((db, repo) => {
        const c = new RegistryCacheRepository(db);
        if (c.settle(row.key) === 0) return; // another process settled it meanwhile
        if (outcome.status === 'cooldown' || outcome.status === 'removed') {
          // The visit is on record from another door (cool-down), or its person was removed: this kiosk's copy goes too.
          if (row.localCheckinId !== null) repo.checkins.delete(row.localCheckinId);
          c.mapCheckin(row.key, null, null);
        } else {
          c.mapCheckin(row.key, outcome.id, row.localCheckinId);
        }
      });
      report[outcome.status === 'inserted' ? 'sent' : outcome.status]++;
    }
    report.queued = this.status().queued;
    return report;
  }

  /** Flushes the queue, then pulls: what `facekit sync` runs. */
  async sync(): Promise<SyncReport> {
    const flushed = await this.flush();
    const pulled = await this.pull();
    this.store.replicate((db) => new RegistryCacheRepository(db).setState(STATE_LAST_SYNC, now()));
    return { flushed, pulled };
  }

  /**
   * Records a check-in here and queues it for the registry, in one local transaction: it counts for this
   * kiosk's cool-down at once and survives the server being down. Call flush() (or sync) to send it.
   */
  checkIn(c: {
    personId: number | null;
    personName: string;
    distance: number | null;
    at?: string;
    source: string;
    cooldownSeconds: number;
  }): QueuedCheckin {
    const at = c.at === undefined ? now() : isoTime(c.at, 'check-in time');
    const key = randomUUID();
    const localId = this.store.replicate((db, repo) => {
      const id = repo.checkins.insert({ personId: c.personId, personName: c.personName, distance: c.distance, at, source: c.source });
      new RegistryCacheRepository(db).enqueue({
        key,
        localCheckinId: id,
        personId: c.personId,
        personName: c.personName,
        distance: c.distance,
        at,
        source: c.source,
        kiosk: this.kiosk,
        cooldownSeconds: c.cooldownSeconds,
        queuedAt: now(),
      });
      new RegistryCacheRepository(db).mapCheckin(key, null, id);
      return id;
    });
    return { key, localId };
  }

  /**
   * Enrols a face through the registry: sealed here, written there (person and face in one transaction),
   * then pulled into the cache. The server being down is an error: enrolment needs it.
   */
  async enrol(
    personName: string,
    photo: PhotoInfo,
    face: NewFace,
  ): Promise<{ status: 'added' | 'already-enrolled'; faceId: number } | { status: 'conflict'; ownerName: string }> {
    const p = checkPhoto(photo);
    checkFace(face);
    let outcome;
    try {
      outcome = await this.#talk((client, keys) => {
        return registryEnrolFace(client, personName, sealFace(keys, { photo: p, face }));
      });
    } catch (error) {
      if (isFaceKitError(error, 'DISCONNECTED')) {
        throw new FaceKitError('DISCONNECTED', `enrolment needs the registry server (${error.message})`, { cause: error });
      }
      throw error;
    }
    if (outcome.status === 'conflict') return outcome;
    await this.pull();
    const localId = this.store.replicate((db) => new RegistryCacheRepository(db).localFace(outcome.faceId));
    if (localId === undefined)
      throw new FaceKitError('INTERNAL', `face ${outcome.faceId} was enrolled on the registry but did not reach the cache`);
    return { status: outcome.status, faceId: localId };
  }

  /** Renames a person on the registry, then pulls: every kiosk's cache learns the name at its next pull. */
  async renamePerson(name: string, newName: string): Promise<PersonRow> {
    const renamed = await this.#serverFirst('renaming a person', (client) => registryRenamePerson(client, name, newName));
    await this.pull();
    return this.#localPerson(renamed.id, renamed.name);
  }

  /** Moves every face and check-in of `from` to `into` on the registry and deletes `from`, then pulls. */
  async mergePeople(from: string, into: string): Promise<{ moved: number; person: PersonRow }> {
    const merged = await this.#serverFirst('merging people', (client) => registryMergePeople(client, from, into));
    await this.pull();
    return { moved: merged.moved, person: this.#localPerson(merged.person.id, merged.person.name) };
  }

  /**
   * Deletes a person on the registry (sealed faces, check-ins), then pulls: the pull purges this cache as
   * Store.removePerson does, and every other kiosk's at its next pull. Counts: the server's faces and
   * check-ins, this cache's photo records.
   */
  async removePerson(name: string): Promise<{ faces: number; photos: number; checkins: number }> {
    const removed = await this.#serverFirst('removing a person', (client) => registryRemovePerson(client, name));
    const pulled = await this.pull();
    return { faces: removed.faces, photos: pulled.purged.photos, checkins: removed.checkins };
  }

  /** A write the registry must make before the cache may show it: the server down is DISCONNECTED, nothing changed here. */
  async #serverFirst<T>(what: string, fn: (client: RegistryClient) => Promise<T>): Promise<T> {
    try {
      return await this.#talk((client) => fn(client));
    } catch (error) {
      if (isFaceKitError(error, 'DISCONNECTED')) {
        throw new FaceKitError('DISCONNECTED', `${what} needs the registry server (${error.message})`, { cause: error });
      }
      throw error;
    }
  }

  #localPerson(serverId: number, name: string): PersonRow {
    const local = this.store.replicate((db) => new RegistryCacheRepository(db).localPerson(serverId));
    const person = local === undefined ? undefined : this.store.listPeople().find((p) => p.id === local);
    if (!person) throw new FaceKitError('INTERNAL', `"${name}" changed on the registry but did not reach the cache`);
    return person;
  }

  /**
   * Long-running processes (kiosk, serve): LISTENs on a connection of its own and pulls on every change
   * notice; every `retryMs` it retries a lost connection and flushes the queue. Returns a stop function.
   */
  follow(onSync: (report: SyncReport | { error: FaceKitError }) => void = () => undefined, retryMs = 5000): () => Promise<void> {
    let listener: RegistryClient | undefined;
    let stopped = false;
    let busy = false;
    // A notification that arrives during a sync must not be lost: the running sync may have read the changes
    // before that commit, so one more sync follows it.
    let again = false;
    const tick = async (): Promise<void> => {
      if (stopped) return;
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      again = false;
      try {
        if (!listener) {
          const l = await connectRegistry(this.url, this.#timeoutMs);
          l.on('notification', () => void tick());
          l.on('end', () => {
            if (listener === l) listener = undefined;
          });
          await l.query(`LISTEN ${CHANGES_CHANNEL}`);
          listener = l;
        }
        onSync(await this.sync());
      } catch (error) {
        onSync({ error: isFaceKitError(error) ? error : FaceKitError.from(error) });
      } finally {
        busy = false;
      }
      if (again) await tick();
    };
    const timer = setInterval(() => void tick(), retryMs);
    void tick();
    return async () => {
      stopped = true;
      clearInterval(timer);
      await listener?.end().catch(() => undefined);
    };
  }

  status(): ReplicaStatus {
    return this.store.replicate((db) => {
      const c = new RegistryCacheRepository(db);
      return {
        url: redactUrl(this.url),
        registryId: c.getState(STATE_REGISTRY) ?? null,
        cursor: Number(c.getState(STATE_CURSOR) ?? 0),
        lastSyncAt: c.getState(STATE_LAST_SYNC) ?? null,
        queued: c.outboxLength(),
      };
    });
  }

  async close(): Promise<void> {
    await this.#queue;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}

function addPullReports(a: PullReport, b: PullReport): PullReport {
  const purged = { ...a.purged };
  for (const k of Object.keys(purged) as (keyof PurgeCounts)[]) purged[k] += b.purged[k];
  return { people: a.people + b.people, faces: a.faces + b.faces, checkins: a.checkins + b.checkins, purged, cursor: b.cursor };
}

/** Applies one pull in the caller's transaction; rows at or below the cursor (applied by another process meanwhile) are skipped. */
function applyChanges(
  cache: RegistryCacheRepository,
  repo: Repositories,
  changes: Changes,
  opened: Map<number, FacePayload>,
  registryId: string | undefined,
): PullReport {
  const cursor = Number(cache.getState(STATE_CURSOR) ?? 0);
  const report: PullReport = {
    people: 0,
    faces: 0,
    checkins: 0,
    purged: { people: 0, faces: 0, photos: 0, checkins: 0, queued: 0 },
    cursor: Math.max(cursor, changes.cursor),
  };
  const t = now();
  // Deletions first: a deleted id never comes back in the rows below, and a name freed by a removal or a
  // merge may be taken by a person below.
  for (const d of changes.deletions) if (d.seq > cursor) applyDeletion(cache, repo, d, report.purged, t);
  // Names first move out of the way: renames arrive in seq order, and one may take a name another
  // person of this pull gives up later (a swap through a third name) — the end state is unique.
  for (const p of changes.people) {
    const local = p.seq > cursor ? cache.localPerson(p.id) : undefined;
    if (local !== undefined && repo.people.idByName(p.name) !== local) repo.people.rename(local, `\u2060registry ${p.id}`, t);
  }
  for (const p of changes.people) {
    if (p.seq <= cursor) continue;
    const local = cache.localPerson(p.id);
    if (local !== undefined) {
      repo.people.rename(local, p.name, t); // a no-op when the name is the same
    } else {
      cache.mapPerson(p.id, repo.people.idByName(p.name) ?? repo.people.insert(p.name, t, t));
    }
    if (p.seq <= changes.cursor) report.people++; // one brought along for a face of the page counts in its own page
  }
  for (const f of changes.faces) {
    if (f.seq <= cursor) continue;
    const personId = cache.localPerson(f.personId);
    const known = cache.localFace(f.id);
    if (known !== undefined) {
      // Already here: a new seq means it moved (a merge); its owner follows the registry.
      if (personId !== undefined) report.faces += repo.faces.move(known, personId);
      continue;
    }
    const payload = opened.get(f.id);
    if (personId === undefined || !payload) throw new FaceKitError('INTERNAL', `registry face ${f.id} arrived without its person`);
    const existing = repo.faces.onPhoto(payload.photo.sha256, payload.face.faceIndex);
    const localId =
      existing?.id ??
      repo.faces.insert({ ...payload.face, personId, photoId: repo.photos.ensure(payload.photo, t), createdAt: f.createdAt });
    cache.mapFace(f.id, localId);
    report.faces++;
  }
  for (const c of changes.checkins) {
    if (c.seq <= cursor) continue;
    const known = cache.checkinByKey(c.key);
    if (known?.serverId != null) continue;
    if (known) {
      // Our own, sent by a flush (perhaps one whose answer was lost): accepted, so it leaves the queue.
      cache.mapCheckin(c.key, c.id, null);
      cache.settle(c.key);
      continue;
    }
    const personId = c.personId === null ? null : (cache.localPerson(c.personId) ?? null);
    const localId = repo.checkins.insert({ personId, personName: c.personName, distance: c.distance, at: c.at, source: c.source });
    cache.mapCheckin(c.key, c.id, localId);
    report.checkins++;
  }
  cache.setState(STATE_CURSOR, String(report.cursor));
  if (registryId !== undefined) cache.setState(STATE_REGISTRY, registryId);
  return report;
}

/** One tombstone: a face deleted, a person merged (their rows follow the survivor) or removed (purged). */
function applyDeletion(cache: RegistryCacheRepository, repo: Repositories, d: Deletion, purged: PurgeCounts, t: string): void {
  if (d.kind === 'face') {
    const local = cache.localFace(d.serverId);
    cache.forgetFace(d.serverId);
    const gone = local === undefined ? undefined : repo.faces.delete(local);
    if (gone?.photoId != null) purged.photos += repo.photos.deleteIfUnused(gone.photoId);
    return;
  }
  const local = cache.localPerson(d.serverId);
  cache.forgetPerson(d.serverId);
  if (local === undefined) return; // never pulled here: nothing to do
  if (d.mergedInto === null) {
    purgePerson(cache, repo, local, purged);
    return;
  }
  const target = cache.localPerson(d.mergedInto);
  if (target === undefined) {
    // The survivor is new to this cache: this row becomes it (its name follows in the people rows).
    cache.mapPerson(d.mergedInto, local);
    return;
  }
  // As Store.mergePeople, plus the queued check-ins.
  cache.reassignOutbox(local, target);
  mergePersonRows(repo, local, target, t);
}

/** As Store.removePerson: faces (embeddings, thumbnails), photo records no one else is in, check-ins; and the queue. */
function purgePerson(cache: RegistryCacheRepository, repo: Repositories, local: number, purged: PurgeCounts): void {
  purged.queued += cache.forgetCheckinsOf(local); // before the check-ins it maps are deleted
  const removed = purgePersonRows(repo, local);
  purged.faces += removed.faces;
  purged.checkins += removed.checkins;
  purged.photos += removed.photos;
  purged.people++;
}
