// Runs wherever the store does. The one writer of the registry_* tables (migration 006): the local
// cache's bookkeeping in registry mode (db/sync/replica.ts). Runs inside the caller's transaction
// (Store#replicate: IMMEDIATE).
import type { StoreDatabase } from '../types.ts';

export interface OutboxRow {
  key: string;
  localCheckinId: number | null;
  personId: number | null;
  personName: string;
  distance: number | null;
  at: string;
  source: string;
  kiosk: string;
  cooldownSeconds: number;
  queuedAt: string;
  attempts: number;
  lastError: string | null;
}

interface OutboxDbRow {
  key: string;
  local_checkin_id: number | null;
  person_id: number | null;
  person_name: string;
  distance: number | null;
  at: string;
  source: string;
  kiosk: string;
  cooldown_s: number;
  queued_at: string;
  attempts: number;
  last_error: string | null;
}

export class RegistryCacheRepository {
  readonly #db: StoreDatabase;

  constructor(db: StoreDatabase) {
    this.#db = db;
  }

  getState(key: string): string | undefined {
    return this.#db.prepare<[string], string>('SELECT value FROM registry_state WHERE key = ?').pluck().get(key);
  }

  setState(key: string, value: string): void {
    this.#db
      .prepare('INSERT INTO registry_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }

  localPerson(serverId: number): number | undefined {
    return this.#db.prepare<[number], number>('SELECT local_id FROM registry_people WHERE server_id = ?').pluck().get(serverId);
  }

  serverPerson(localId: number): number | undefined {
    return this.#db.prepare<[number], number>('SELECT server_id FROM registry_people WHERE local_id = ?').pluck().get(localId);
  }

  mapPerson(serverId: number, localId: number): void {
    this.#db.prepare('INSERT OR REPLACE INTO registry_people (server_id, local_id) VALUES (?, ?)').run(serverId, localId);
  }

  localFace(serverId: number): number | undefined {
    return this.#db.prepare<[number], number>('SELECT local_id FROM registry_faces WHERE server_id = ?').pluck().get(serverId);
  }

  mapFace(serverId: number, localId: number): void {
    this.#db.prepare('INSERT OR REPLACE INTO registry_faces (server_id, local_id) VALUES (?, ?)').run(serverId, localId);
  }

  /** The check-in known by this key: its server id once accepted, its local row if any. */
  checkinByKey(key: string): { serverId: number | null; localId: number | null } | undefined {
    const r = this.#db
      .prepare<[string], { server_id: number | null; local_id: number | null }>(
        'SELECT server_id, local_id FROM registry_checkins WHERE key = ?',
      )
      .get(key);
    return r && { serverId: r.server_id, localId: r.local_id };
  }

  mapCheckin(key: string, serverId: number | null, localId: number | null): void {
    this.#db
      .prepare(
        `INSERT INTO registry_checkins (key, server_id, local_id) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET server_id = coalesce(excluded.server_id, server_id), local_id = coalesce(excluded.local_id, local_id)`,
      )
      .run(key, serverId, localId);
  }

  enqueue(row: Omit<OutboxRow, 'attempts' | 'lastError'>): void {
    this.#db
      .prepare(
        `INSERT INTO registry_outbox (key, local_checkin_id, person_id, person_name, distance, at, source, kiosk, cooldown_s, queued_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        row.key,
        row.localCheckinId,
        row.personId,
        row.personName,
        row.distance,
        row.at,
        row.source,
        row.kiosk,
        row.cooldownSeconds,
        row.queuedAt,
      );
  }

  /** Queued check-ins, oldest first. */
  outbox(): OutboxRow[] {
    const rows = this.#db.prepare<[], OutboxDbRow>('SELECT * FROM registry_outbox ORDER BY at, key').all();
    return rows.map((r) => ({
      key: r.key,
      localCheckinId: r.local_checkin_id,
      personId: r.person_id,
      personName: r.person_name,
      distance: r.distance,
      at: r.at,
      source: r.source,
      kiosk: r.kiosk,
      cooldownSeconds: r.cooldown_s,
      queuedAt: r.queued_at,
      attempts: r.attempts,
      lastError: r.last_error,
    }));
  }

  outboxLength(): number {
    return this.#db.prepare<[], number>('SELECT count(*) FROM registry_outbox').pluck().get() ?? 0;
  }

  /** The server has the check-in (or has dropped it for the cool-down): it leaves the queue. */
  settle(key: string): number {
    return this.#db.prepare('DELETE FROM registry_outbox WHERE key = ?').run(key).changes;
  }

  /**
   * A person removed from the registry: their queued check-ins are dropped (sent, they would record the
   * visit of someone deleted for privacy) and the key map of their local check-ins forgotten. Call before
   * the check-ins themselves are deleted. Returns how many queued check-ins were dropped.
   */
  forgetCheckinsOf(localPersonId: number): number {
    this.#db.prepare('DELETE FROM registry_checkins WHERE local_id IN (SELECT id FROM checkins WHERE person_id = ?)').run(localPersonId);
    this.#db.prepare('DELETE FROM registry_checkins WHERE key IN (SELECT key FROM registry_outbox WHERE person_id = ?)').run(localPersonId);
    return this.#db.prepare('DELETE FROM registry_outbox WHERE person_id = ?').run(localPersonId).changes;
  }

  /** A merge: check-ins queued for the source are the survivor's. */
  reassignOutbox(fromLocalPersonId: number, toLocalPersonId: number): number {
    return this.#db.prepare('UPDATE registry_outbox SET person_id = ? WHERE person_id = ?').run(toLocalPersonId, fromLocalPersonId).changes;
  }

  /** The id maps of a person and of a face deleted on the server (the rows' ON DELETE CASCADE does the same; explicit for a row already gone). */
  forgetPerson(serverId: number): void {
    this.#db.prepare('DELETE FROM registry_people WHERE server_id = ?').run(serverId);
  }

  forgetFace(serverId: number): void {
    this.#db.prepare('DELETE FROM registry_faces WHERE server_id = ?').run(serverId);
  }

  noteFailure(key: string, error: string): void {
    this.#db.prepare('UPDATE registry_outbox SET attempts = attempts + 1, last_error = ? WHERE key = ?').run(error, key);
  }
}
