// Runs in the engine process. The style-transfer gallery: results with their parameters, references
// and timings (table `gallery`, migration 002).
import type Database from 'better-sqlite3-multiple-ciphers';
import { FaceKitError } from '../api/errors.ts';

export interface StyleReference {
  path: string;
  sha256: string;
  weight: number;
}

export interface NewGalleryItem {
  outputPath: string;
  width: number;
  height: number;
  contentPath: string;
  contentSha256: string;
  styles: StyleReference[];
  params: Record<string, unknown>;
  timings: Record<string, unknown>;
  iterations: number;
  msPerIteration: number;
  lossFirst: number | null;
  lossLast: number | null;
  identityDistance: number | null;
  backend: string;
  thumbnail: Buffer | null;
}

export interface GalleryItem extends Omit<NewGalleryItem, 'thumbnail'> {
  id: number;
  createdAt: string;
}

interface GalleryDbRow {
  id: number;
  created_at: string;
  output_path: string;
  width: number;
  height: number;
  content_path: string;
  content_sha256: string;
  styles: string;
  params: string;
  timings: string;
  iterations: number;
  ms_per_iteration: number;
  loss_first: number | null;
  loss_last: number | null;
  identity_distance: number | null;
  backend: string;
}

const COLUMNS =
  'id, created_at, output_path, width, height, content_path, content_sha256, styles, params, timings, iterations, ms_per_iteration, loss_first, loss_last, identity_distance, backend';

function fromRow(r: GalleryDbRow): GalleryItem {
  return {
    id: r.id,
    createdAt: r.created_at,
    outputPath: r.output_path,
    width: r.width,
    height: r.height,
    contentPath: r.content_path,
    contentSha256: r.content_sha256,
    styles: JSON.parse(r.styles) as StyleReference[],
    params: JSON.parse(r.params) as Record<string, unknown>,
    timings: JSON.parse(r.timings) as Record<string, unknown>,
    iterations: r.iterations,
    msPerIteration: r.ms_per_iteration,
    lossFirst: r.loss_first,
    lossLast: r.loss_last,
    identityDistance: r.identity_distance,
    backend: r.backend,
  };
}

/** NaN and ±Infinity are not JSON and not useful in SQL: stored as NULL. */
const finiteOrNull = (x: number | null) => (x !== null && Number.isFinite(x) ? x : null);

export class Gallery {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  add(item: NewGalleryItem): GalleryItem {
    const id = this.#db
      .prepare(
        `INSERT INTO gallery (created_at, output_path, width, height, content_path, content_sha256, styles, params, timings,
           iterations, ms_per_iteration, loss_first, loss_last, identity_distance, backend, thumbnail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        new Date().toISOString(),
        item.outputPath,
        item.width,
        item.height,
        item.contentPath,
        item.contentSha256,
        JSON.stringify(item.styles),
        JSON.stringify(item.params),
        JSON.stringify(item.timings),
        item.iterations,
        item.msPerIteration,
        finiteOrNull(item.lossFirst),
        finiteOrNull(item.lossLast),
        finiteOrNull(item.identityDistance),
        item.backend,
        item.thumbnail,
      ).lastInsertRowid;
    return this.get(Number(id));
  }

  /** Newest first. */
  list(limit = -1): GalleryItem[] {
    return (this.#db.prepare(`SELECT ${COLUMNS} FROM gallery ORDER BY created_at DESC, id DESC LIMIT ?`).all(limit) as GalleryDbRow[]).map(
      fromRow,
    );
  }

  get(id: number): GalleryItem {
    const row = this.#db.prepare(`SELECT ${COLUMNS} FROM gallery WHERE id = ?`).get(id) as GalleryDbRow | undefined;
    if (!row) throw new FaceKitError('NOT_FOUND', `no gallery item #${id}`);
    return fromRow(row);
  }

  thumbnail(id: number): Buffer | null {
    return (this.#db.prepare('SELECT thumbnail FROM gallery WHERE id = ?').pluck().get(id) as Buffer | null | undefined) ?? null;
  }

  /** Removes the record (the output file is the user's and stays). */
  remove(id: number): void {
    if (this.#db.prepare('DELETE FROM gallery WHERE id = ?').run(id).changes === 0)
      throw new FaceKitError('NOT_FOUND', `no gallery item #${id}`);
  }
}
