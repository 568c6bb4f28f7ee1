// Runs wherever the store does. The registry's (PostgreSQL) one writer of each table: enrolment (person +
// face in one transaction), check-ins (idempotent by key, cool-down across kiosks), rename, merge and
// remove (a deleted person leaves a tombstone in `deletions`, migration 002), and the reads a kiosk's
// pull makes. Every write transaction takes WRITE_LOCK first, so `seq` values commit in order (a pull's
// cursor never skips a row) and the cool-down test and the insert cannot interleave between kiosks.
// Biometrics arrive sealed (db/sync/crypto.ts); nothing here can read them.
import { FaceKitError } from '../../api/errors.ts';
import { cleanName, nameKey } from '../validate.ts';
import type { RegistryClient } from './client.ts';

export const WRITE_LOCK = 0x46_4b_57_52; // "FKWR"
export const CHANGES_CHANNEL = 'facekit_changes';

/** Runs `fn` in one transaction holding the registry's write lock; notifies listeners on commit. */
async function writeTransaction<T>(client: RegistryClient, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
    const result = await fn();
    await client.query(`SELECT pg_notify('${CHANGES_CHANNEL}', '')`); // delivered at commit, not before
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export interface SealedFace {
  photoTag: Buffer;
  faceIndex: number;
  modelId: string;
  sealed: Buffer;
}

export type RegistryEnrolOutcome =
  | { status: 'added'; faceId: number; personId: number }
  | { status: 'already-enrolled'; faceId: number; personId: number }
  | { status: 'conflict'; ownerName: string };

/** Adds a face to `personName` (created when new) in one transaction: person and face, or nothing. */
export function enrolFace(client: RegistryClient, personName: string, face: SealedFace): Promise<RegistryEnrolOutcome> {
  const name = cleanName(personName);
  return writeTransaction(client, async (): Promise<RegistryEnrolOutcome> => {
    let personId = (await findPerson(client, name))?.id;
    const existing = await client.query<{ id: string; person_id: string; owner: string; model_id: string }>(
      `SELECT f.id, f.person_id, p.name AS owner, f.model_id FROM faces f JOIN people p ON p.id = f.person_id
       WHERE f.photo_tag = $1 AND f.face_index = $2`,
      [face.photoTag, face.faceIndex],
    );
    const found = existing.rows[0];
    if (found && Number(found.person_id) !== personId) return { status: 'conflict', ownerName: found.owner };
    if (found) {
      if (found.model_id !== face.modelId) {
        throw new FaceKitError(
          'BAD_INPUT',
          'this face was enrolled by another face pipeline; re-embedding through the registry is not supported yet',
        );
      }
      return { status: 'already-enrolled', faceId: Number(found.id), personId: Number(found.person_id) };
    }
    if (personId === undefined) {
      const inserted = await client.query<{ id: string }>('INSERT INTO people (name, name_key) VALUES ($1, $2) RETURNING id', [
        name,
        nameKey(name),
      ]);
      personId = Number(inserted.rows[0]?.id);
    } else {
      await client.query("UPDATE people SET updated_at = now(), seq = nextval('changes_seq') WHERE id = $1", [personId]);
    }
    const inserted = await client.query<{ id: string }>(
      'INSERT INTO faces (person_id, photo_tag, face_index, model_id, sealed) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [personId, face.photoTag, face.faceIndex, face.modelId, face.sealed],
    );
    return { status: 'added', faceId: Number(inserted.rows[0]?.id), personId };
  });
}

export interface RegistryCheckin {
  key: string;
  personId: number | null;
  personName: string;
  distance: number | null;
  at: string;
  source: string;
  kiosk: string;
  /** Another check-in of the same person and source within this many seconds of `at` makes this one a repeat. */
  cooldownSeconds: number;
}

export type CheckinOutcome =
  /** Written now. */
  | { status: 'inserted'; id: number }
  /** This key was already written (a retried flush): nothing new. */
  | { status: 'already'; id: number }
  /** The person was checked in within the cool-down (at another door, or by a flush from another kiosk): dropped. */
  | { status: 'cooldown'; id: number }
  /** The person was removed from the registry meanwhile: their visit is not recorded (it would outlive them). */
  | { status: 'removed' };

/** Writes a check-in exactly once per key, and at most once per person per cool-down across all kiosks. */
export function insertCheckin(client: RegistryClient, c: RegistryCheckin): Promise<CheckinOutcome> {
  return writeTransaction(client, async (): Promise<CheckinOutcome> => {
    const same = await client.query<{ id: string }>('SELECT id FROM checkins WHERE key = $1', [c.key]);
    if (same.rows[0]) return { status: 'already', id: Number(same.rows[0].id) };
    // Queued before a merge or removal this kiosk has not pulled yet: the survivor's, or dropped.
    const personId = c.personId === null ? null : await survivorOf(client, c.personId);
    if (c.personId !== null && personId === null) return { status: 'removed' };
    if (personId !== null && c.cooldownSeconds > 0) {
      const recent = await client.query<{ id: string }>(
        `SELECT id FROM checkins WHERE person_id = $1 AND source = $2
           AND at > $3::timestamptz - make_interval(secs => $4) AND at < $3::timestamptz + make_interval(secs => $4)
         ORDER BY at LIMIT 1`,
        [personId, c.source, c.at, c.cooldownSeconds],
      );
      if (recent.rows[0]) return { status: 'cooldown', id: Number(recent.rows[0].id) };
    }
    const inserted = await client.query<{ id: string }>(
      `INSERT INTO checkins (key, person_id, person_name, distance, at, source, kiosk) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (key) DO NOTHING RETURNING id`,
      [c.key, personId, c.personName, c.distance, c.at, c.source, c.kiosk],
    );
    return { status: 'inserted', id: Number(inserted.rows[0]?.id) };
  });
}

interface RegistryPerson {
  id: number;
  name: string;
}

/** The person with this name (case-folded, as the SQLite store finds them), if any. */
async function findPerson(client: RegistryClient, name: string): Promise<RegistryPerson | undefined> {
  const r = await client.query<{ id: string; name: string }>('SELECT id, name FROM people WHERE name_key = $1', [nameKey(name)]);
  const row = r.rows[0];
  return row && { id: Number(row.id), name: row.name };
}

/** The person with this name, or NOT_FOUND. */
async function requirePerson(client: RegistryClient, name: string): Promise<RegistryPerson> {
  const person = await findPerson(client, name);
  if (!person) throw new FaceKitError('NOT_FOUND', `no person named "${name}"`);
  return person;
}

/** Renames a person (a new seq, so every kiosk's pull renames its copy); the new name must be free. */
export function renamePerson(client: RegistryClient, oldName: string, newName: string): Promise<RegistryPerson> {
  const name = cleanName(newName);
  return writeTransaction(client, async () => {
    const person = await requirePerson(client, oldName);
    const other = await findPerson(client, name);
    if (other && other.id !== person.id) throw new FaceKitError('CONFLICT', `a person named "${name}" already exists`);
    await client.query("UPDATE people SET name = $1, name_key = $2, updated_at = now(), seq = nextval('changes_seq') WHERE id = $3", [
      name,
      nameKey(name),
      person.id,
    ]);
    return { id: person.id, name };
  });
}

/** Records that a person is gone (removed, or merged into `mergedInto`), with the seq a pull finds it by. */
async function tombstonePerson(client: RegistryClient, id: number, mergedInto: number | null): Promise<void> {
  await client.query("INSERT INTO deletions (kind, server_id, merged_into) VALUES ('person', $1, $2)", [id, mergedInto]);
  await client.query('DELETE FROM people WHERE id = $1', [id]);
}

/** Moves every face and check-in of `from` to `into` and deletes `from` (tombstoned as merged). */
export function mergePeople(client: RegistryClient, from: string, into: string): Promise<{ moved: number; person: RegistryPerson }> {
  return writeTransaction(client, async () => {
    const source = await requirePerson(client, from);
    const target = await requirePerson(client, into);
    if (source.id === target.id) throw new FaceKitError('BAD_INPUT', `cannot merge "${source.name}" into itself`);
    // New seqs: a kiosk's pull sees each moved face with its new owner.
    const moved = await client.query("UPDATE faces SET person_id = $1, seq = nextval('changes_seq') WHERE person_id = $2", [
      target.id,
      source.id,
    ]);
    // Kiosks that already hold these check-ins move them on the tombstone; others pull them with the new owner.
    await client.query('UPDATE checkins SET person_id = $1 WHERE person_id = $2', [target.id, source.id]);
    await tombstonePerson(client, source.id, target.id);
    await client.query("UPDATE people SET updated_at = now(), seq = nextval('changes_seq') WHERE id = $1", [target.id]);
    return { moved: moved.rowCount ?? 0, person: target };
  });
}

/** Deletes a person everywhere on the server: their sealed faces, their check-ins, the row (tombstoned). */
export function removePerson(client: RegistryClient, name: string): Promise<{ faces: number; checkins: number }> {
  return writeTransaction(client, async () => {
    const person = await requirePerson(client, name);
    const faces = await client.query('DELETE FROM faces WHERE person_id = $1', [person.id]);
    const checkins = await client.query('DELETE FROM checkins WHERE person_id = $1', [person.id]);
    await tombstonePerson(client, person.id, null);
    return { faces: faces.rowCount ?? 0, checkins: checkins.rowCount ?? 0 };
  });
}

/** Where a deleted person's rows went: the survivor of a merge (followed through later merges), or null when removed. */
async function survivorOf(client: RegistryClient, personId: number): Promise<number | null> {
  const r = await client.query<{ id: string }>(
    `WITH RECURSIVE chain (id, hops) AS (
       SELECT $1::bigint, 0
       UNION ALL
       SELECT d.merged_into, c.hops + 1 FROM chain c
       JOIN deletions d ON d.kind = 'person' AND d.server_id = c.id AND d.merged_into IS NOT NULL
       WHERE c.hops < 100
     )
     SELECT p.id FROM chain c JOIN people p ON p.id = c.id LIMIT 1`,
    [personId],
  );
  return r.rows[0] ? Number(r.rows[0].id) : null;
}

export interface ChangedPerson {
  id: number;
  name: string;
  seq: number;
}
export interface ChangedFace extends SealedFace {
  id: number;
  personId: number;
  createdAt: string;
  seq: number;
}
/** A check-in as a pull brings it: what was sent (less the cool-down it was checked against), with its row id and change seq. */
export type ChangedCheckin = Omit<RegistryCheckin, 'cooldownSeconds'> & { id: number; seq: number };
/** A tombstone: a person removed (mergedInto null) or merged, or a face deleted. */
export interface Deletion {
  kind: 'person' | 'face';
  serverId: number;
  mergedInto: number | null;
  seq: number;
}
export interface Changes {
  people: ChangedPerson[];
  faces: ChangedFace[];
  checkins: ChangedCheckin[];
  deletions: Deletion[];
  /**
   * The cursor to resume from: the newest seq of the page (people brought along for a face or check-in of
   * the page may be newer: they come again in their own page), or the given cursor when nothing changed.
   */
  cursor: number;
  /** A page limit cut the changes short: pull again from `cursor`. */
  more: boolean;
}

const NO_LIMIT = '9223372036854775807';

/**
 * The rows changed after `cursor`, from one snapshot: all of them, or (with `limit`) the first `limit` by seq
 * across the tables — the page ends at a seq, so the next page starts exactly after it and no row is skipped.
 * A page also carries the current row of each person its faces and check-ins belong to, whatever that row's
 * seq: enrolment and renames give a person a new seq, so it can come after their own faces.
 */
export async function changesSince(client: RegistryClient, cursor: number, limit?: number): Promise<Changes> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const bound = limit === undefined ? { upTo: NO_LIMIT, more: false } : await pageEnd(client, cursor, limit);
    const people = await client.query<{ id: string; name: string; seq: string }>(
      `SELECT id, name, seq FROM people WHERE seq > $1 AND (seq <= $2
         OR id IN (SELECT person_id FROM faces WHERE seq > $1 AND seq <= $2)
         OR id IN (SELECT person_id FROM checkins WHERE seq > $1 AND seq <= $2 AND person_id IS NOT NULL)) ORDER BY seq`,
      [cursor, bound.upTo],
    );
    const faces = await client.query<{
      id: string;
      person_id: string;
      photo_tag: Buffer;
      face_index: number;
      model_id: string;
      sealed: Buffer;
      created_at: Date;
      seq: string;
    }>(
      'SELECT id, person_id, photo_tag, face_index, model_id, sealed, created_at, seq FROM faces WHERE seq > $1 AND seq <= $2 ORDER BY seq',
      [cursor, bound.upTo],
    );
    const checkins = await client.query<{
      id: string;
      key: string;
      person_id: string | null;
      person_name: string;
      distance: number | null;
      at: Date;
      source: string;
      kiosk: string;
      seq: string;
    }>('SELECT id, key, person_id, person_name, distance, at, source, kiosk, seq FROM checkins WHERE seq > $1 AND seq <= $2 ORDER BY seq', [
      cursor,
      bound.upTo,
    ]);
    const deletions = await client.query<{ kind: 'person' | 'face'; server_id: string; merged_into: string | null; seq: string }>(
      'SELECT kind, server_id, merged_into, seq FROM deletions WHERE seq > $1 AND seq <= $2 ORDER BY seq',
      [cursor, bound.upTo],
    );
    await client.query('COMMIT');
    const changes: Changes = {
      people: people.rows.map((r) => ({ id: Number(r.id), name: r.name, seq: Number(r.seq) })),
      faces: faces.rows.map((r) => ({
        id: Number(r.id),
        personId: Number(r.person_id),
        photoTag: r.photo_tag,
        faceIndex: r.face_index,
        modelId: r.model_id,
        sealed: r.sealed,
        createdAt: r.created_at.toISOString(),
        seq: Number(r.seq),
      })),
      checkins: checkins.rows.map((r) => ({
        id: Number(r.id),
        key: r.key,
        personId: r.person_id === null ? null : Number(r.person_id),
        personName: r.person_name,
        distance: r.distance,
        at: r.at.toISOString(),
        source: r.source,
        kiosk: r.kiosk,
        seq: Number(r.seq),
      })),
      deletions: deletions.rows.map((r) => ({
        kind: r.kind,
        serverId: Number(r.server_id),
        mergedInto: r.merged_into === null ? null : Number(r.merged_into),
        seq: Number(r.seq),
      })),
      cursor,
      more: bound.more,
    };
    // People brought along for the page's faces and check-ins do not move the cursor past rows not yet read.
    const upTo = Number(bound.upTo);
    for (const list of [changes.people, changes.faces, changes.checkins, changes.deletions])
      for (const r of list) if (r.seq <= upTo) changes.cursor = Math.max(changes.cursor, r.seq);
    return changes;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The seq a page of `limit` changes after `cursor` ends at, and whether more follow (in the caller's snapshot). */
async function pageEnd(client: RegistryClient, cursor: number, limit: number): Promise<{ upTo: string; more: boolean }> {
  const r = await client.query<{ seq: string }>(
    `SELECT seq FROM (SELECT seq FROM people WHERE seq > $1 UNION ALL SELECT seq FROM faces WHERE seq > $1
       UNION ALL SELECT seq FROM checkins WHERE seq > $1 UNION ALL SELECT seq FROM deletions WHERE seq > $1) s
     ORDER BY seq LIMIT $2`,
    [cursor, limit + 1],
  );
  if (r.rows.length <= limit) return { upTo: NO_LIMIT, more: false };
  return { upTo: r.rows[limit - 1]?.seq ?? NO_LIMIT, more: true };
}

/** registry_meta as a map (registry id, KDF salt, key check). */
export async function readMeta(client: RegistryClient): Promise<Map<string, string>> {
  const r = await client.query<{ key: string; value: string }>('SELECT key, value FROM registry_meta');
  return new Map(r.rows.map((row) => [row.key, row.value]));
}

/** Stores the key check unless another kiosk did first; returns the one that stands. */
export async function ensureKeyCheck(client: RegistryClient, value: string): Promise<string> {
  await client.query("INSERT INTO registry_meta (key, value) VALUES ('key_check', $1) ON CONFLICT (key) DO NOTHING", [value]);
  const r = await client.query<{ value: string }>("SELECT value FROM registry_meta WHERE key = 'key_check'");
  return r.rows[0]?.value ?? value;
}

// ---- bulk copy (`facekit store migrate`, db/sync/store-copy.ts) ----

export interface CopiedPerson {
  name: string;
  createdAt: string;
  updatedAt: string;
}
export interface CopiedFace extends SealedFace {
  personName: string;
  createdAt: string;
}
/** A check-in with a deterministic key; `person` is the linked person's name (null: unknown face). */
export type CopiedCheckin = Omit<RegistryCheckin, 'cooldownSeconds' | 'personId'> & { person: string | null };
export interface CopyCounts {
  people: { added: number; existing: number };
  faces: { added: number; existing: number };
  checkins: { added: number; existing: number };
}

const COPY_CHUNK = 500;

function chunks<T>(list: readonly T[], size = COPY_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * Writes a whole store into the registry in one transaction (all of it or nothing), a statement per 500
 * rows. Idempotent: people by name, faces by (photo tag, face index), check-ins by key; a face already there
 * under another person or pipeline is CONFLICT (nothing written). Historical check-ins skip the cool-down.
 */
export function copyIntoRegistry(
  client: RegistryClient,
  data: { people: CopiedPerson[]; faces: CopiedFace[]; checkins: CopiedCheckin[] },
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<CopyCounts> {
  const total = data.people.length + data.faces.length + data.checkins.length;
  let done = 0;
  const step = (n: number): void => onProgress((done += n), total);
  return writeTransaction(client, async (): Promise<CopyCounts> => {
    const counts: CopyCounts = { people: { added: 0, existing: 0 }, faces: { added: 0, existing: 0 }, checkins: { added: 0, existing: 0 } };
    const ids = new Map<string, number>();
    for (const part of chunks(data.people)) {
      const names = part.map((p) => cleanName(p.name));
      const added = await client.query(
        `INSERT INTO people (name, name_key, created_at, updated_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[]) ON CONFLICT (name_key) DO NOTHING`,
        [names, names.map(nameKey), part.map((p) => p.createdAt), part.map((p) => p.updatedAt)],
      );
      counts.people.added += added.rowCount ?? 0;
      const found = await client.query<{ id: string; name_key: string }>('SELECT id, name_key FROM people WHERE name_key = ANY($1)', [
        names.map(nameKey),
      ]);
      for (const r of found.rows) ids.set(r.name_key, Number(r.id));
      step(part.length);
    }
    counts.people.existing = data.people.length - counts.people.added;
    const personId = (name: string): number => {
      const id = ids.get(nameKey(name));
      if (id === undefined) throw new FaceKitError('BAD_INPUT', `a face or check-in of "${name}", who is not among the people copied`);
      return id;
    };
    for (const part of chunks(data.faces)) {
      const owners = part.map((f) => personId(f.personName));
      const added = await client.query(
        `INSERT INTO faces (person_id, photo_tag, face_index, model_id, sealed, created_at)
         SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::int[], $4::text[], $5::bytea[], $6::timestamptz[])
         ON CONFLICT (photo_tag, face_index) DO NOTHING`,
        [
          owners,
          part.map((f) => f.photoTag),
          part.map((f) => f.faceIndex),
          part.map((f) => f.modelId),
          part.map((f) => f.sealed),
          part.map((f) => f.createdAt),
        ],
      );
      counts.faces.added += added.rowCount ?? 0;
      // Those already there must be the same person's, of the same pipeline: else the registry says otherwise.
      const there = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM faces f JOIN unnest($1::bytea[], $2::int[], $3::bigint[], $4::text[]) AS c(tag, idx, owner, model)
           ON f.photo_tag = c.tag AND f.face_index = c.idx WHERE f.person_id <> c.owner OR f.model_id <> c.model`,
        [part.map((f) => f.photoTag), part.map((f) => f.faceIndex), owners, part.map((f) => f.modelId)],
      );
      const clashes = there.rows[0]?.n ?? 0;
      if (clashes > 0)
        throw new FaceKitError(
          'CONFLICT',
          `${clashes} face(s) are already on the registry as someone else's (or another pipeline's): nothing copied`,
        );
      step(part.length);
    }
    counts.faces.existing = data.faces.length - counts.faces.added;
    for (const part of chunks(data.checkins)) {
      const added = await client.query(
        `INSERT INTO checkins (key, person_id, person_name, distance, at, source, kiosk)
         SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::float8[], $5::timestamptz[], $6::text[], $7::text[])
         ON CONFLICT (key) DO NOTHING`,
        [
          part.map((c) => c.key),
          part.map((c) => (c.person === null ? null : personId(c.person))),
          part.map((c) => c.personName),
          part.map((c) => c.distance),
          part.map((c) => c.at),
          part.map((c) => c.source),
          part.map((c) => c.kiosk),
        ],
      );
      counts.checkins.added += added.rowCount ?? 0;
      step(part.length);
    }
    counts.checkins.existing = data.checkins.length - counts.checkins.added;
    return counts;
  });
}
