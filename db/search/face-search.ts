// Runs in the engine process. 1:n search over one store's faces: the exact scan
// (db/search/exact.ts) for small galleries, an HNSW index (db/search/hnsw.ts) from
// ANN_MIN_FACES faces of a model on. The store stays the source of truth: the index is built from it,
// kept current by replaying the face_changes log (migration 004) before every search, and only
// proposes faces: who owns them now, and that person's distance over all their float embeddings, are
// read from the faces table in the same snapshot, so a deleted or merged-away person cannot come out
// of it. The index lives in this process's memory only (never on disk: it would be an unencrypted
// copy of the biometrics) and is built on first use.
import { expectDefined } from '../../api/errors.ts';
import type { EmbeddingIndex, StoreDatabase } from '../types.ts';
import { copyEmbeddingInto, decodeEmbedding } from '../blob.ts';
import { euclidean, nearestPeople } from './exact.ts';
import { HnswIndex } from './hnsw.ts';

export interface PersonHit {
  personId: number;
  name: string;
  /** Euclidean (L2) distance to the person's closest enrolled face, in float32 as stored. */
  distance: number;
}

/**
 * From this many faces of one model on, 1:n search uses the HNSW index. Measured (`npm run bench`,
 * 2 cores): the exact scan costs ~0.23 µs a face, so ~5 ms here, the most a kiosk frame should pay;
 * the index answers in 1–2 ms up to 1 M faces, and its build (~0.05–0.1 ms a face) is repaid after
 * a few hundred searches. Below this size results are exactly what they were without an index.
 */
export const ANN_MIN_FACES = 20_000;

/** A replay larger than this share of the index rebuilds it instead (also when tombstones pile up). */
const REBUILD_SHARE = 0.25;
/** Faces to ask the index for, per person wanted: a person's other faces crowd the nearest ones. */
const CANDIDATES_PER_PERSON = 16;
const ROWS_PER_BATCH = 8192;

interface AnnState {
  index: HnswIndex;
  /** The face_changes seq the index reflects. */
  seq: number;
}

const prepare = (db: StoreDatabase, sql: string) => db.prepare<unknown[]>(sql);
type Statement = ReturnType<typeof prepare>;
interface PersonFaceRow {
  name: string;
  dim: number;
  embedding: Buffer;
}

const GENERATION_SQL = 'SELECT coalesce(max(seq), 0) FROM face_changes';

/** The newest seq of the face_changes log: changes whenever a search could answer differently. */
export function faceGeneration(db: StoreDatabase): number {
  return db.prepare(GENERATION_SQL).pluck().get() as number;
}

export class FaceSearch {
  /** Faces of a model from which the HNSW index is used; Infinity: always the exact scan. */
  annMinFaces = ANN_MIN_FACES;
  /** What the indexes cost so far: full builds, and replays of the change log. */
  readonly stats = { builds: 0, replays: 0, replayedFaces: 0 };
  readonly #db: StoreDatabase;
  readonly #exactIndex: (modelId: string) => EmbeddingIndex;
  readonly #ann = new Map<string, AnnState>();
  readonly #counts = new Map<string, { seq: number; count: number }>();
  readonly #statements = new Map<string, Statement>();

  constructor(db: StoreDatabase, exactIndex: (modelId: string) => EmbeddingIndex) {
    this.#db = db;
    this.#exactIndex = exactIndex;
  }

  /** The `k` closest people to `query` among the model's faces, nearest first. */
  nearestPeople(modelId: string, query: Float32Array, k: number): PersonHit[] {
    if (!this.#usesAnn(modelId)) {
      const index = this.#exactIndex(modelId);
      return nearestPeople(index, query, k).map((c) => ({
        personId: c.personId,
        name: index.names.get(c.personId) ?? `#${c.personId}`,
        distance: c.distance,
      }));
    }
    return this.#withCurrentIndex(modelId, (state) => this.#annNearest(state, modelId, query, k));
  }

  /** Builds the model's HNSW index now when it is large enough, for a caller that would rather wait now than at its first search. */
  prepare(modelId: string): 'exact' | 'ann' {
    if (!this.#usesAnn(modelId)) return 'exact';
    this.#withCurrentIndex(modelId, () => undefined);
    return 'ann';
  }

  /** The person's enrolled embeddings under the model, oldest first (1:1 verification). */
  personEmbeddings(modelId: string, personId: number): Float32Array[] {
    const rows = this.#db
      .prepare('SELECT dim, embedding FROM faces WHERE person_id = ? AND model_id = ? ORDER BY id')
      .all(personId, modelId) as { dim: number; embedding: Buffer }[];
    return rows.map((r) => decodeEmbedding(r.embedding, r.dim));
  }

  /** Drops the indexes (their memory is native, outside the JS heap). */
  close(): void {
    this.#ann.clear();
    this.#counts.clear();
  }

  /** Prepared once per connection: the search path runs these on every query. */
  #statement(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = prepare(this.#db, sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #generation(): number {
    return this.#statement(GENERATION_SQL).pluck().get() as number;
  }

  #usesAnn(modelId: string): boolean {
    if (this.#ann.has(modelId)) return true; // once built, kept current rather than dropped
    if (this.annMinFaces === Infinity) return false;
    return this.#faceCount(modelId) >= Math.max(1, this.annMinFaces);
  }

  #faceCount(modelId: string): number {
    const seq = this.#generation();
    const cached = this.#counts.get(modelId);
    if (cached?.seq === seq) return cached.count;
    const count = this.#db.prepare('SELECT count(*) FROM faces WHERE model_id = ?').pluck().get(modelId) as number;
    this.#counts.set(modelId, { seq, count });
    return count;
  }

  /**
   * Runs `use` on the model's index brought up to date, inside one read transaction, so nothing can
   * be deleted between the replay and the read-back. A missing index is built first, outside it.
   */
  #withCurrentIndex<T>(modelId: string, use: (state: AnnState) => T): T {
    const state = this.#ann.get(modelId) ?? this.#build(modelId);
    this.#ann.set(modelId, state);
    return this.#db.transaction(() => {
      const seq = this.#generation();
      if (state.seq === seq || (seq > state.seq && this.#replay(state, modelId, seq))) return use(state);
      // Too much changed, the log was pruned, or it went back (another file restored in place):
      // rebuild within this snapshot, consistent by construction.
      this.#ann.delete(modelId); // the old graph's memory can go before the new one is made
      const rebuilt = this.#build(modelId);
      this.#ann.set(modelId, rebuilt);
      return use(rebuilt);
    })();
  }

  /**
   * Reads the model's faces in chunks, each its own short read, so a build of minutes holds no
   * snapshot that would stall checkpoints. Changes made meanwhile are in the log after the seq
   * taken first, and the replay before the first search re-reads those faces.
   */
  #build(modelId: string): AnnState {
    const seq = this.#generation();
    const dim = (this.#db.prepare('SELECT dim FROM faces WHERE model_id = ? LIMIT 1').pluck().get(modelId) as number | undefined) ?? 0;
    const index = new HnswIndex(dim || 1); // no faces left: an empty index, replaced once faces come back
    // (model_id, dim, id) walks faces_model_dim in id order: each chunk is a seek, not a sort.
    const chunk = this.#db.prepare('SELECT id, embedding FROM faces WHERE model_id = ? AND dim = ? AND id > ? ORDER BY id LIMIT ?');
    const matrix = new Float32Array(ROWS_PER_BATCH * index.dim);
    for (let after = 0; ;) {
      const rows = chunk.all(modelId, index.dim, after, ROWS_PER_BATCH) as { id: number; embedding: Buffer }[];
      const last = rows.at(-1);
      if (!last) break;
      rows.forEach((r, i) => copyEmbeddingInto(matrix, i, index.dim, r.embedding));
      index.add(
        rows.map((r) => r.id),
        matrix.subarray(0, rows.length * index.dim),
      );
      after = last.id;
    }
    this.stats.builds++;
    return { index, seq };
  }

  /** Applies the changes since the index was built or last replayed; false when a rebuild is due instead. */
  #replay(state: AnnState, modelId: string, seq: number): boolean {
    const oldest = this.#db.prepare('SELECT min(seq) FROM face_changes').pluck().get() as number | null;
    if (oldest === null || oldest > state.seq + 1) return false; // the log was pruned past us
    const faceIds = this.#db
      .prepare('SELECT DISTINCT face_id FROM face_changes WHERE seq > ? AND face_id IS NOT NULL')
      .pluck()
      .all(state.seq) as number[];
    const { index } = state;
    if (faceIds.length > REBUILD_SHARE * index.size + 100 || index.removed + faceIds.length > REBUILD_SHARE * index.size + 1000)
      return false;
    const read = this.#db.prepare('SELECT dim, embedding FROM faces WHERE id = ? AND model_id = ?');
    for (const id of faceIds) {
      index.remove(id);
      const row = read.get(id, modelId) as { dim: number; embedding: Buffer } | undefined;
      if (!row) continue; // deleted, or now under another model
      if (row.dim !== index.dim) return false; // the model was emptied and refilled at another size
      index.add([id], decodeEmbedding(row.embedding, row.dim));
    }
    state.seq = seq;
    this.stats.replays++;
    this.stats.replayedFaces += faceIds.length;
    return true;
  }

  /**
   * The index proposes faces; the store says whose they are now, and each proposed person is scored
   * over all their faces, so a returned distance is exactly what the exact scan gives for that person.
   */
  #annNearest(state: AnnState, modelId: string, query: Float32Array, k: number): PersonHit[] {
    const faceIds = state.index.search(query, Math.max(k * CANDIDATES_PER_PERSON, 32));
    const ownerOf = this.#statement('SELECT person_id FROM faces WHERE id = ? AND model_id = ?').pluck();
    const people = new Set<number>();
    for (const id of faceIds) {
      const owner = ownerOf.get(id, modelId) as number | undefined;
      if (owner !== undefined) people.add(owner); // a face gone from the store is never trusted to the index
    }
    const facesOf = this.#statement(`SELECT p.name, f.dim, f.embedding FROM faces f JOIN people p ON p.id = f.person_id
        WHERE f.person_id = ? AND f.model_id = ? ORDER BY f.id`);
    const hits: PersonHit[] = [];
    for (const personId of people) {
      const rows = facesOf.all(personId, modelId) as PersonFaceRow[];
      // The person owns a proposed face in this very snapshot, so they have at least that one.
      const { name } = expectDefined(rows[0], `a face of person ${personId} (the owner of a proposed face)`);
      const distance = Math.min(...rows.map((r) => euclidean(decodeEmbedding(r.embedding, r.dim), query)));
      hits.push({ personId, name, distance });
    }
    return hits.sort((a, b) => a.distance - b.distance).slice(0, k);
  }
}
