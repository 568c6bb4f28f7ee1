// The local SQLite store: people, photos, face embeddings, check-ins, settings.
// One Store per process and file; every multi-row write is one transaction.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { FaceKitError, isFaceKitError } from '../api/errors.ts';
import { assertKnownVersion, migrate, schemaVersion } from './migrate.ts';
import { migrations } from './migrations/index.ts';
import { Gallery } from './gallery.ts';
import { Visitors } from './visitors.ts';
import { FaceSearch, faceGeneration } from './search/face-search.ts';
import { copyEmbeddingInto, decodeEmbedding } from './blob.ts';
import { checkFace, checkPhoto, isoTime, nameKey } from './validate.ts';
import { applyKey, encryptPlaintextStore } from './encryption.ts';
import { checkKey, type StoreKey } from './key.ts';
import { storeFileState } from './store-file.ts';
import { importExport, writeExport, type ExportCounts, type ImportReport, type NumberedLine } from './portable.ts';
import { mergePersonRows, openRepositories, purgePersonRows, type Repositories } from './repositories/index.ts';
import type {
  CheckinRow,
  EmbeddingIndex,
  EnrolOutcome,
  FaceRow,
  NewFace,
  OutdatedFace,
  PersonRow,
  PhotoInfo,
  SpoofAttemptRow,
  NewSpoofAttempt,
  StoreDatabase,
  UpgradeProblem,
} from './types.ts';

// The row and input types live in db/types.ts (shared with validate.ts, search and the repositories);
// callers keep importing them from here.
export type {
  CheckinRow,
  EmbeddingIndex,
  EnrolOutcome,
  FaceRow,
  NewFace,
  OutdatedCount,
  OutdatedFace,
  PersonRow,
  PhotoInfo,
  SpoofAttemptRow,
  NewSpoofAttempt,
  StoreDatabase,
  UpgradeProblem,
} from './types.ts';

// Raw row shapes as SQLite returns them. Writes go through db/repositories/ (one module per table).
interface PersonDbRow {
  id: number;
  name: string;
  created_at: string;
  updated_at: string;
  face_count: number;
  photo_count: number;
}
interface FaceDbRow {
  id: number;
  person_id: number;
  person_name: string;
  photo_id: number | null;
  photo_sha256: string | null;
  photo_path: string | null;
  face_index: number;
  box_x: number;
  box_y: number;
  box_w: number;
  box_h: number;
  model_id: string;
  created_at: string;
}
interface OutdatedFaceDbRow extends Omit<FaceDbRow, 'created_at'> {
  upgrade_pipeline: string | null;
  upgrade_problem: UpgradeProblem | null;
}
interface CheckinDbRow {
  id: number;
  person_id: number | null;
  person_name: string;
  distance: number | null;
  at: string;
  source: string;
}

const PERSON_SELECT = `
  SELECT p.id, p.name, p.created_at, p.updated_at,
         count(f.id) AS face_count, count(DISTINCT f.photo_id) AS photo_count
  FROM people p LEFT JOIN faces f ON f.person_id = p.id`;

const FACE_SELECT = `
  SELECT f.id, f.person_id, p.name AS person_name, f.photo_id, ph.sha256 AS photo_sha256,
         ph.path AS photo_path, f.face_index, f.box_x, f.box_y, f.box_w, f.box_h, f.model_id, f.created_at
  FROM faces f JOIN people p ON p.id = f.person_id LEFT JOIN photos ph ON ph.id = f.photo_id`;

const now = (): string => new Date().toISOString();

function toPerson(r: PersonDbRow): PersonRow {
  return { id: r.id, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at, faceCount: r.face_count, photoCount: r.photo_count };
}

function toFace(r: FaceDbRow): FaceRow {
  return {
    id: r.id,
    personId: r.person_id,
    personName: r.person_name,
    photoId: r.photo_id,
    photoSha256: r.photo_sha256,
    photoPath: r.photo_path,
    faceIndex: r.face_index,
    box: { x: r.box_x, y: r.box_y, width: r.box_w, height: r.box_h },
    modelId: r.model_id,
    createdAt: r.created_at,
  };
}

/** Constraint violations are bad input from the caller's point of view; anything else propagates. */
function mapSqlError(error: unknown): never {
  if (error instanceof Database.SqliteError) {
    if (error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY')
      throw new FaceKitError('NOT_FOUND', `referenced record does not exist (${error.message})`);
    if (error.code.startsWith('SQLITE_CONSTRAINT')) throw new FaceKitError('BAD_INPUT', `rejected by the store: ${error.message}`);
  }
  throw error;
}

export interface StoreOptions {
  /** Encrypts the store at rest (db/encryption.ts); a plaintext store is encrypted on first open with a key. */
  key?: StoreKey;
}

export class Store {
  readonly file: string;
  /** Opened with a key: the file on disk is encrypted. */
  readonly encrypted: boolean;
  readonly #db: Database.Database;
  /** The one writer of each table. */
  readonly #repo: Repositories;
  /** modelId → index, valid while the face_changes log (migration 004) has no newer entry, whoever writes. */
  readonly #indexCache = new Map<string, { generation: number; index: EmbeddingIndex }>();
  #gallery?: Gallery;
  #visitors?: Visitors;
  #faceSearch?: FaceSearch;

  private constructor(file: string, db: Database.Database, encrypted: boolean) {
    this.file = file;
    this.#db = db;
    this.encrypted = encrypted;
    this.#repo = openRepositories(db);
  }

  /**
   * Opens (creating if needed) the store at `file`: parent directories, key, pragmas, migrations.
   * Without a key the store is plain SQLite; with one it is created encrypted, or encrypted first if
   * it exists in plaintext. A wrong key fails before anything is written.
   */
  static open(file: string, options: StoreOptions = {}): Store {
    const { key } = options;
    const inMemory = file === ':memory:';
    const path = inMemory ? file : resolve(file);
    if (!inMemory) mkdirSync(dirname(path), { recursive: true });
    if (key !== undefined) checkKey(key);
    if (key !== undefined && !inMemory && storeFileState(path) === 'plaintext') {
      encryptPlaintextStore(path, key, (plain) => assertKnownVersion(plain, migrations));
    }
    let db: Database.Database;
    try {
      db = new Database(path);
    } catch (error) {
      throw new FaceKitError('BAD_INPUT', `cannot open database: ${(error as Error).message}`, path);
    }
    try {
      if (key !== undefined) applyKey(db, key);
      db.pragma('busy_timeout = 5000'); // the CLI and the app may share the file
      // The first read, before anything that writes (journal_mode=WAL rewrites the header): a wrong
      // key or a newer schema leaves the file untouched.
      assertKnownVersion(db, migrations);
      if (!inMemory) {
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (mode !== 'wal') throw new FaceKitError('INTERNAL', `could not enable WAL (journal_mode is ${String(mode)})`, path);
      }
      db.pragma('synchronous = NORMAL'); // durable enough with WAL, much faster commits
      db.pragma('foreign_keys = ON');
      // Deleted rows (a removed person's embeddings) are overwritten with zeros, not just unlinked.
      db.pragma('secure_delete = ON');
      migrate(db, migrations);
    } catch (error) {
      db.close();
      if (isFaceKitError(error)) throw error;
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_NOTADB' && key !== undefined) {
        throw new FaceKitError('STORE_KEY', 'cannot open the store: wrong key (or not a FaceKit store)', path);
      }
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_NOTADB' && storeFileState(path) === 'other') {
        throw new FaceKitError('STORE_KEY', 'cannot open the store: it is encrypted (or not a FaceKit store) and no key was given', path);
      }
      if (error instanceof Database.SqliteError && (error.code === 'SQLITE_NOTADB' || error.code === 'SQLITE_CORRUPT')) {
        throw new FaceKitError('BAD_INPUT', `not a FaceKit database (${error.message})`, path);
      }
      throw error;
    }
    return new Store(path, db, key !== undefined && !inMemory);
  }

  /** Style-transfer results (db/gallery.ts). */
  get gallery(): Gallery {
    this.#gallery ??= new Gallery(this.#db);
    return this.#gallery;
  }

  /** The kiosk's unknown faces grouped into visitors (db/visitors.ts, migration 008); writes in this store's transactions. */
  get visitors(): Visitors {
    this.#visitors ??= new Visitors(this.#db, this.#repo, <T>(fn: () => T) => this.#write(fn));
    return this.#visitors;
  }

  /** 1:n search: exact for small galleries, an HNSW index kept in step with the store for large ones (db/search/face-search.ts). */
  get faceSearch(): FaceSearch {
    this.#faceSearch ??= new FaceSearch(this.#db, (modelId) => this.embeddingIndex(modelId));
    return this.#faceSearch;
  }

  schemaVersion(): number {
    return schemaVersion(this.#db);
  }

  close(): void {
    this.#indexCache.clear();
    this.#faceSearch?.close();
    if (this.#db.open) this.#db.close();
  }

  // ---- people ----

  listPeople(): PersonRow[] {
    const rows = this.#db.prepare(`${PERSON_SELECT} GROUP BY p.id ORDER BY p.name_key, p.id`).all() as PersonDbRow[];
    return rows.map(toPerson);
  }

  getPerson(name: string): PersonRow | undefined {
    const row = this.#db.prepare(`${PERSON_SELECT} WHERE p.name_key = ? GROUP BY p.id`).get(nameKey(name)) as PersonDbRow | undefined;
    return row && toPerson(row);
  }

  requirePerson(name: string): PersonRow {
    const person = this.getPerson(name);
    if (!person) throw new FaceKitError('NOT_FOUND', `no person named "${name}"`);
    return person;
  }

  #personById(id: number): PersonRow {
    return toPerson(this.#db.prepare(`${PERSON_SELECT} WHERE p.id = ? GROUP BY p.id`).get(id) as PersonDbRow);
  }

  createPerson(name: string): PersonRow {
    return this.#write(() => {
      const t = now();
      return this.#personById(this.#repo.people.insert(name, t, t));
    });
  }

  renamePerson(name: string, newName: string): PersonRow {
    return this.#write(() => {
      const id = this.requirePerson(name).id;
      this.#repo.people.rename(id, newName, now());
      return this.#personById(id);
    });
  }

  mergePeople(from: string, into: string): { moved: number; person: PersonRow } {
    return this.#write(() => {
      const source = this.requirePerson(from);
      const target = this.requirePerson(into);
      if (source.id === target.id) throw new FaceKitError('BAD_INPUT', `cannot merge "${source.name}" into itself`);
      const moved = mergePersonRows(this.#repo, source.id, target.id, now());
      return { moved, person: this.#personById(target.id) };
    });
  }

  /**
   * Deletes the person everywhere: faces (embeddings, thumbnails), photos no one else is in, check-ins.
   * secure_delete zeroes the freed bytes; the checkpoint then moves the zeroed pages into the file and
   * empties the -wal, where older copies of those pages (with the embeddings) would otherwise linger.
   */
  removePerson(name: string): { faces: number; photos: number; checkins: number } {
    const removed = this.#write(() => purgePersonRows(this.#repo, this.requirePerson(name).id));
    this.#db.pragma('wal_checkpoint(TRUNCATE)'); // waits (busy_timeout) for readers of older snapshots
    return removed;
  }

  // ---- faces ----

  enrolFace(personName: string, photo: PhotoInfo, face: NewFace, opts: { createIfMissing?: boolean } = {}): EnrolOutcome {
    const p = checkPhoto(photo);
    checkFace(face);
    return this.#write((): EnrolOutcome => {
      const { people, photos, faces } = this.#repo;
      // Read first: a conflict or a repeat writes nothing.
      const existing = faces.onPhoto(p.sha256, face.faceIndex);
      let personId = people.idByName(personName);
      if (existing && existing.personId !== personId) return { status: 'conflict', ownerName: existing.ownerName };
      if (existing && existing.modelId === face.modelId) return { status: 'already-enrolled', faceId: existing.id };

      const t = now();
      if (existing) {
        // Same face, new recognition model: replace the embedding so the new model's index sees it.
        faces.reembed(existing.id, face, t);
        people.touch(existing.personId, t);
        return { status: 'added', faceId: existing.id };
      }

      if (personId === undefined) {
        if (!opts.createIfMissing) throw new FaceKitError('NOT_FOUND', `no person named "${personName}"`);
        personId = people.insert(personName, t, t);
      }
      const photoId = photos.ensure(p, t);
      const faceId = faces.insert({ ...face, personId, photoId, createdAt: t });
      people.touch(personId, t);
      return { status: 'added', faceId };
    });
  }

  listFaces(personName?: string): FaceRow[] {
    if (personName === undefined) {
      return (this.#db.prepare(`${FACE_SELECT} ORDER BY p.name_key, f.id`).all() as FaceDbRow[]).map(toFace);
    }
    const id = this.requirePerson(personName).id;
    return (this.#db.prepare(`${FACE_SELECT} WHERE f.person_id = ? ORDER BY f.id`).all(id) as FaceDbRow[]).map(toFace);
  }

  /** The face's JPEG thumbnail, or null when it was enrolled without one (e.g. by an older version). */
  faceThumbnail(faceId: number): Uint8Array | null {
    const row = this.#db.prepare('SELECT thumbnail FROM faces WHERE id = ?').get(faceId) as { thumbnail: Buffer | null } | undefined;
    if (!row) throw new FaceKitError('NOT_FOUND', `no face with id ${faceId}`);
    return row.thumbnail;
  }

  /** personId → their first enrolled face (one indexed GROUP BY, not a read of every face row). */
  firstFaceIds(): Map<number, number> {
    const rows = this.#db.prepare('SELECT person_id, min(id) AS face_id FROM faces GROUP BY person_id').all() as {
      person_id: number;
      face_id: number;
    }[];
    return new Map(rows.map((r) => [r.person_id, r.face_id]));
  }

  faceEmbedding(faceId: number): Float32Array {
    const row = this.#db.prepare('SELECT dim, embedding FROM faces WHERE id = ?').get(faceId) as
      { dim: number; embedding: Buffer } | undefined;
    if (!row) throw new FaceKitError('NOT_FOUND', `no face with id ${faceId}`);
    return decodeEmbedding(row.embedding, row.dim);
  }

  /**
   * The model's faces as one matrix (exact search). Shared with later callers until faces or names
   * change, by any connection: treat it as read-only. Check-ins, settings and the gallery keep it.
   */
  embeddingIndex(modelId: string): EmbeddingIndex {
    const cached = this.#indexCache.get(modelId);
    if (cached && cached.generation === faceGeneration(this.#db)) return cached.index;
    // One consistent snapshot: the generation is read with the rows it describes.
    const built = this.#db.transaction(() => ({ generation: faceGeneration(this.#db), index: this.#buildIndex(modelId) }))();
    this.#indexCache.set(modelId, built);
    return built.index;
  }

  #buildIndex(modelId: string): EmbeddingIndex {
    const dims = this.#db.prepare('SELECT DISTINCT dim FROM faces WHERE model_id = ?').pluck().all(modelId) as number[];
    if (dims.length > 1) throw new FaceKitError('INTERNAL', `model "${modelId}" has embeddings of several dimensions: ${dims.join(', ')}`);
    const dim = dims[0] ?? 0;
    const count = this.#db.prepare('SELECT count(*) FROM faces WHERE model_id = ?').pluck().get(modelId) as number;
    const faceIds = new Int32Array(count);
    const personIds = new Int32Array(count);
    const matrix = new Float32Array(count * dim);
    const names = new Map<number, string>();
    const rows = this.#db
      .prepare(
        `SELECT f.id, f.person_id, p.name, f.embedding FROM faces f JOIN people p ON p.id = f.person_id
        WHERE f.model_id = ? ORDER BY f.id`,
      )
      .iterate(modelId) as IterableIterator<{ id: number; person_id: number; name: string; embedding: Buffer }>;
    let i = 0;
    for (const r of rows) {
      faceIds[i] = r.id;
      personIds[i] = r.person_id;
      names.set(r.person_id, r.name);
      copyEmbeddingInto(matrix, i, dim, r.embedding);
      i++;
    }
    return { modelId, dim, count, faceIds, personIds, matrix, names };
  }

  // ---- faces of another pipeline (engine/recognition/face-upgrade.ts) ----

  /**
   * The faces whose embedding was not made by `currentModelId` (search does not see them), of everyone or
   * of one person, by person then photo: what an upgrade re-embeds, or what needs re-enrolment.
   */
  outdatedFaces(currentModelId: string, personName?: string): OutdatedFace[] {
    const byPerson = personName === undefined ? '' : 'AND f.person_id = @personId';
    const personId = personName === undefined ? undefined : this.requirePerson(personName).id;
    const rows = this.#db
      .prepare(
        `SELECT f.id, f.person_id, p.name AS person_name, f.photo_id, ph.sha256 AS photo_sha256, ph.path AS photo_path,
                f.face_index, f.box_x, f.box_y, f.box_w, f.box_h, f.model_id, f.upgrade_pipeline, f.upgrade_problem
         FROM faces f JOIN people p ON p.id = f.person_id LEFT JOIN photos ph ON ph.id = f.photo_id
         WHERE f.model_id <> @current ${byPerson} ORDER BY p.name_key, f.photo_id, f.face_index, f.id`,
      )
      .all({ current: currentModelId, ...(personId === undefined ? {} : { personId }) }) as OutdatedFaceDbRow[];
    return rows.map((r) => ({
      id: r.id,
      personId: r.person_id,
      personName: r.person_name,
      modelId: r.model_id,
      photoId: r.photo_id,
      photoPath: r.photo_path,
      photoSha256: r.photo_sha256,
      faceIndex: r.face_index,
      box: { x: r.box_x, y: r.box_y, width: r.box_w, height: r.box_h },
      upgradePipeline: r.upgrade_pipeline,
      upgradeProblem: r.upgrade_problem,
    }));
  }

  /**
   * Replaces an outdated face's embedding (and box and quality) with one the current pipeline made from the
   * same face, in one transaction. False, and nothing written, when the face is gone or no longer of
   * `fromModelId` (another process upgraded, moved or deleted it meanwhile).
   */
  reembedOutdatedFace(faceId: number, fromModelId: string, face: NewFace): boolean {
    checkFace(face);
    return this.#write(() => {
      const row = this.#db.prepare('SELECT person_id, model_id FROM faces WHERE id = ?').get(faceId) as
        { person_id: number; model_id: string } | undefined;
      if (!row || row.model_id !== fromModelId) return false;
      const t = now();
      this.#repo.faces.reembed(faceId, face, t);
      this.#repo.people.touch(row.person_id, t);
      return true;
    });
  }

  /** Notes that the face could not be re-embedded for `pipelineId`, and why: it needs re-enrolment. */
  markFaceNotUpgraded(faceId: number, pipelineId: string, problem: UpgradeProblem): void {
    this.#write(() => this.#repo.faces.markNotUpgraded(faceId, pipelineId, problem));
  }

  embeddingModels(): { modelId: string; count: number }[] {
    return this.#db
      .prepare('SELECT model_id AS modelId, count(*) AS count FROM faces GROUP BY model_id ORDER BY count DESC, model_id')
      .all() as { modelId: string; count: number }[];
  }

  // ---- check-ins ----

  addCheckin(c: { personId: number | null; personName: string; distance: number | null; at?: string; source: string }): number {
    if (c.distance !== null && !Number.isFinite(c.distance))
      throw new FaceKitError('BAD_INPUT', `distance must be a finite number or null (got ${c.distance})`);
    const at = c.at === undefined ? now() : isoTime(c.at, 'check-in time');
    return this.#write(() =>
      this.#repo.checkins.insert({ personId: c.personId, personName: c.personName, distance: c.distance, at, source: c.source }),
    );
  }

  /** Newest first; `since` is inclusive, `until` exclusive; `personId` null means unknown faces only. */
  listCheckins(opts: { since?: string; until?: string; personId?: number | null; limit?: number } = {}): CheckinRow[] {
    const limit = opts.limit ?? -1; // SQLite: negative LIMIT means none
    if (!Number.isInteger(limit)) throw new FaceKitError('BAD_INPUT', `limit must be an integer (got ${opts.limit})`);
    const since = opts.since === undefined ? '' : isoTime(opts.since, 'since');
    const until = opts.until === undefined ? '\uffff' : isoTime(opts.until, 'until');
    const byPerson = opts.personId === undefined ? '' : opts.personId === null ? 'AND person_id IS NULL' : 'AND person_id = @personId';
    const rows = this.#db
      .prepare(`SELECT * FROM checkins WHERE at >= @since AND at < @until ${byPerson} ORDER BY at DESC, id DESC LIMIT @limit`)
      .all({ since, until, limit, ...(opts.personId ? { personId: opts.personId } : {}) }) as CheckinDbRow[];
    return rows.map((r) => ({
      id: r.id,
      personId: r.person_id,
      personName: r.person_name,
      distance: r.distance,
      at: r.at,
      source: r.source,
    }));
  }

  // ---- spoof attempts (kiosk liveness, migration 007) ----

  addSpoofAttempt(a: Omit<NewSpoofAttempt, 'at'> & { at?: string }): number {
    const at = a.at === undefined ? now() : isoTime(a.at, 'attempt time');
    return this.#write(() => this.#repo.spoofAttempts.insert({ ...a, at }));
  }

  /** Newest first; the same bounds as listCheckins. */
  listSpoofAttempts(opts: { since?: string; until?: string; personId?: number; limit?: number } = {}): SpoofAttemptRow[] {
    const since = opts.since === undefined ? '' : isoTime(opts.since, 'since');
    const until = opts.until === undefined ? '\uffff' : isoTime(opts.until, 'until');
    const byPerson = opts.personId === undefined ? '' : 'AND person_id = @personId';
    return this.#db
      .prepare(
        `SELECT id, at, source, person_id AS personId, person_name AS personName, distance, reason, challenge, liveness
         FROM spoof_attempts WHERE at >= @since AND at < @until ${byPerson} ORDER BY at DESC, id DESC LIMIT @limit`,
      )
      .all({
        since,
        until,
        limit: opts.limit ?? -1,
        ...(opts.personId === undefined ? {} : { personId: opts.personId }),
      }) as SpoofAttemptRow[];
  }

  /** The JPEG of the face an attempt showed, or null. */
  spoofAttemptThumbnail(id: number): Uint8Array | null {
    const blob = this.#db.prepare('SELECT thumbnail FROM spoof_attempts WHERE id = ?').pluck().get(id) as Buffer | null | undefined;
    return blob ? new Uint8Array(blob) : null;
  }

  // ---- settings ----

  getSetting<T>(key: string): T | undefined {
    return this.#repo.settings.get<T>(key);
  }

  /** Stores `value` as JSON; `undefined` deletes the key. */
  setSetting(key: string, value: unknown): void {
    this.#write(() => (value === undefined ? this.#repo.settings.delete(key) : this.#repo.settings.set(key, value, now())));
  }

  // ---- backup and portable export ----

  /**
   * Writes a consistent copy of the store to `target` (which must not exist) while other connections
   * keep writing. VACUUM INTO rather than the online backup API: it carries the cipher and key over,
   * so the copy is exactly as encrypted as the store (better-sqlite3's backup() opens its destination
   * without a key and SQLite3 Multiple Ciphers refuses an encrypted source).
   */
  backupTo(target: string): void {
    this.#db.prepare('VACUUM INTO ?').run(target);
  }

  /** Every person, face, check-in and setting as export records (db/portable.ts), from one snapshot. */
  exportTo(write: (record: object) => void, generator: string): ExportCounts {
    return this.#db.transaction(() => writeExport(this.#db, write, { generator, schemaVersion: this.schemaVersion() }))();
  }

  /** Merges an export into the store in one transaction: all of it, or nothing and an error naming the line. */
  importFrom(lines: Iterable<NumberedLine>, options: { file: string; currentModelId?: string }): ImportReport {
    return this.#write(() => importExport(this.#repo, lines, options));
  }

  /**
   * Registry mode (db/sync/replica.ts): runs `fn` in one IMMEDIATE transaction with the connection and the
   * table writers, to apply a pull or queue a check-in. Not for anything else: every other write is a method here.
   */
  replicate<T>(fn: (db: StoreDatabase, repo: Repositories) => T): T {
    return this.#write(() => fn(this.#db, this.#repo));
  }

  /** Registry mode: after a pull purged a person, as removePerson does, empties the WAL of their old pages. */
  checkpointAfterPurge(): void {
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Runs several store writes as one transaction (each becomes a savepoint): all or nothing, one commit. */
  batch<T>(fn: () => T): T {
    return this.#write(fn);
  }

  // ---- plumbing ----

  /** Runs `fn` in one IMMEDIATE transaction (no lock upgrade deadlocks) and maps constraint errors. */
  #write<T>(fn: () => T): T {
    try {
      return this.#db.transaction(fn).immediate();
    } catch (error) {
      if (isFaceKitError(error)) throw error;
      return mapSqlError(error);
    }
  }
}
