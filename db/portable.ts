// Runs in the CLI (through Store.exportTo / Store.importFrom). The portable export format, version 1:
// JSON Lines, one record per line — a header, people, faces, check-ins, settings, and an end record
// with the counts, so a truncated file is noticed. Documented in docs/export-format.md.
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import type Database from 'better-sqlite3-multiple-ciphers';
import { FaceKitError, isFaceKitError } from '../api/errors.ts';
import { cleanName, isoTime, nameKey } from './validate.ts';
import type { Repositories } from './repositories/index.ts';

export const EXPORT_FORMAT = 'facekit-export';
export const EXPORT_VERSION = 1;
/** No record comes near this (a face with its thumbnail is ≈ 10 kB); a longer line is not ours. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;

// ---------- records ----------

const base64 = z.string().regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'expected base64');
const time = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'expected an ISO 8601 time');
const finite = z.number().finite();

const header = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.number().int().positive(),
  exportedAt: time,
  generator: z.string(),
  schemaVersion: z.number().int().nonnegative(),
});

const person = z.object({ type: z.literal('person'), name: z.string(), createdAt: time, updatedAt: time });

const face = z.object({
  type: z.literal('face'),
  person: z.string(),
  modelId: z.string().min(1),
  dim: z.number().int().positive().max(65536),
  /** Float32 little-endian, dim × 4 bytes. */
  embedding: base64,
  faceIndex: z.number().int().nonnegative(),
  box: z.object({ x: finite, y: finite, width: finite.positive(), height: finite.positive() }),
  score: finite.min(0).max(1),
  faceSize: finite.nonnegative(),
  blur: finite.nonnegative(),
  createdAt: time,
  /** JPEG, or null when the face was enrolled without one. */
  thumbnail: base64.nullable(),
  photo: z
    .object({
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase SHA-256 hex digest'),
      path: z.string().min(1),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
    })
    .nullable(),
});

const checkin = z.object({
  type: z.literal('checkin'),
  /** The linked person's name, or null (unknown face, or the person was removed). */
  person: z.string().nullable(),
  /** The name as it was at check-in time. */
  personName: z.string(),
  distance: finite.nonnegative().nullable(),
  at: time,
  source: z.string().min(1),
});

const setting = z.object({ type: z.literal('setting'), key: z.string().min(1), value: z.json() });

const counts = z.object({
  person: z.number().int().nonnegative(),
  face: z.number().int().nonnegative(),
  checkin: z.number().int().nonnegative(),
  setting: z.number().int().nonnegative(),
});
const end = z.object({ type: z.literal('end'), counts });

const record = z.discriminatedUnion('type', [person, face, checkin, setting, end]);
const RECORD_TYPES: readonly string[] = ['person', 'face', 'checkin', 'setting', 'end'];

export type ExportHeader = z.infer<typeof header>;
export type ExportRecord = z.infer<typeof record>;
export type ExportCounts = z.infer<typeof counts>;

export interface ImportReport {
  people: { added: number; merged: number };
  faces: { added: number; skipped: number };
  checkins: { added: number; skipped: number };
  settings: { added: number; kept: number };
  /** Faces imported from another recognition model: stored, but not searched by this one. */
  otherModels: { modelId: string; count: number }[];
}

// ---------- export ----------

type FaceExportRow = {
  person: string;
  model_id: string;
  dim: number;
  embedding: Buffer;
  face_index: number;
  box_x: number;
  box_y: number;
  box_w: number;
  box_h: number;
  score: number;
  face_size: number;
  blur: number;
  created_at: string;
  thumbnail: Buffer | null;
} &
  // LEFT JOIN photos: a face with no photo has all four null; photos' columns are NOT NULL, so otherwise none is
  ({ sha256: null; path: null; width: null; height: null } | { sha256: string; path: string; width: number; height: number });

/** Writes every record, in file order, from one read snapshot (the caller runs it in a transaction). */
export function writeExport(
  db: Database.Database,
  write: (value: object) => void,
  meta: { generator: string; schemaVersion: number },
): ExportCounts {
  const n: ExportCounts = { person: 0, face: 0, checkin: 0, setting: 0 };
  write({ format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: new Date().toISOString(), ...meta } satisfies ExportHeader);
  for (const p of db.prepare('SELECT name, created_at, updated_at FROM people ORDER BY id').iterate() as IterableIterator<{
    name: string;
    created_at: string;
    updated_at: string;
  }>) {
    write({ type: 'person', name: p.name, createdAt: p.created_at, updatedAt: p.updated_at });
    n.person++;
  }
  const faces = db
    .prepare(
      `SELECT pe.name AS person, f.model_id, f.dim, f.embedding, f.face_index, f.box_x, f.box_y, f.box_w, f.box_h,
      f.score, f.face_size, f.blur, f.created_at, f.thumbnail, ph.sha256, ph.path, ph.width, ph.height
    FROM faces f JOIN people pe ON pe.id = f.person_id LEFT JOIN photos ph ON ph.id = f.photo_id ORDER BY f.id`,
    )
    .iterate() as IterableIterator<FaceExportRow>;
  for (const f of faces) {
    write({
      type: 'face',
      person: f.person,
      modelId: f.model_id,
      dim: f.dim,
      embedding: f.embedding.toString('base64'),
      faceIndex: f.face_index,
      box: { x: f.box_x, y: f.box_y, width: f.box_w, height: f.box_h },
      score: f.score,
      faceSize: f.face_size,
      blur: f.blur,
      createdAt: f.created_at,
      thumbnail: f.thumbnail ? f.thumbnail.toString('base64') : null,
      photo: f.sha256 === null ? null : { sha256: f.sha256, path: f.path, width: f.width, height: f.height },
    });
    n.face++;
  }
  const checkins = db
    .prepare(
      `SELECT pe.name AS person, c.person_name, c.distance, c.at, c.source
    FROM checkins c LEFT JOIN people pe ON pe.id = c.person_id ORDER BY c.at, c.id`,
    )
    .iterate() as IterableIterator<{ person: string | null; person_name: string; distance: number | null; at: string; source: string }>;
  for (const c of checkins) {
    write({ type: 'checkin', person: c.person, personName: c.person_name, distance: c.distance, at: c.at, source: c.source });
    n.checkin++;
  }
  for (const s of db.prepare('SELECT key, value FROM settings ORDER BY key').iterate() as IterableIterator<{
    key: string;
    value: string;
  }>) {
    write({ type: 'setting', key: s.key, value: JSON.parse(s.value) as unknown });
    n.setting++;
  }
  write({ type: 'end', counts: n });
  return n;
}

// ---------- reading ----------

export interface NumberedLine {
  line: number;
  value: unknown;
}

/** The file's lines as parsed JSON, read in chunks (an export can be larger than a string may be). */
export function* readJsonLines(file: string): Generator<NumberedLine> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw new FaceKitError('BAD_INPUT', `cannot read the export: ${(error as Error).message}`, file);
  }
  try {
    const decoder = new StringDecoder('utf8');
    const chunk = Buffer.alloc(1 << 20);
    let pending = '';
    let line = 0;
    const parse = (text: string): NumberedLine | undefined => {
      line++;
      if (text.trim() === '') return undefined;
      try {
        return { line, value: JSON.parse(text) as unknown };
      } catch (error) {
        throw new FaceKitError('BAD_INPUT', `line ${line}: not JSON (${(error as Error).message})`, file);
      }
    };
    for (;;) {
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      pending += read > 0 ? decoder.write(chunk.subarray(0, read)) : decoder.end();
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const parsed = parse(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        if (parsed) yield parsed;
      }
      if (pending.length > MAX_LINE_BYTES)
        throw new FaceKitError(
          'BAD_INPUT',
          `line ${line + 1} is longer than ${MAX_LINE_BYTES / 1024 / 1024} MB: not a FaceKit export`,
          file,
        );
      if (read === 0) break;
    }
    const last = parse(pending);
    if (last) yield last;
  } finally {
    fs.closeSync(fd);
  }
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/** Checks the header line; a newer format version is refused with a reason. */
export function parseHeader(first: NumberedLine | undefined, file: string): ExportHeader {
  if (!first) throw new FaceKitError('BAD_INPUT', 'the file is empty: not a FaceKit export', file);
  if ((first.value as { format?: unknown } | null)?.format !== EXPORT_FORMAT) {
    throw new FaceKitError(
      'BAD_INPUT',
      `line ${first.line}: not a FaceKit export (its first line has no "format": "${EXPORT_FORMAT}")`,
      file,
    );
  }
  const parsed = header.safeParse(first.value);
  if (!parsed.success)
    throw new FaceKitError('BAD_INPUT', `line ${first.line}: not a FaceKit export header (${describe(parsed.error)})`, file);
  if (parsed.data.version > EXPORT_VERSION) {
    throw new FaceKitError(
      'BAD_INPUT',
      `line ${first.line}: export format version ${parsed.data.version} is newer than this FaceKit reads (${EXPORT_VERSION}); update FaceKit`,
      file,
    );
  }
  return parsed.data;
}

// ---------- import ----------

function decodeBase64(value: string): Buffer {
  return Buffer.from(value, 'base64');
}

/**
 * Merges an export into the store. Runs inside the caller's write transaction: any error (with the
 * line and field it is about) rolls everything back. Rules: a person with the same name (case-folded)
 * is the same person; a face already present (same photo hash and face index, or for a face without a
 * photo the same person, model and embedding) is skipped; a check-in identical to one present is
 * skipped; a setting the store already has keeps the store's value. Every row is written through the
 * table's repository (db/repositories/), the same code enrolment and check-ins use.
 */
export function importExport(
  repo: Repositories,
  lines: Iterable<NumberedLine>,
  options: { file: string; currentModelId?: string },
): ImportReport {
  const { file } = options;
  const report: ImportReport = {
    people: { added: 0, merged: 0 },
    faces: { added: 0, skipped: 0 },
    checkins: { added: 0, skipped: 0 },
    settings: { added: 0, kept: 0 },
    otherModels: [],
  };
  const seen: ExportCounts = { person: 0, face: 0, checkin: 0, setting: 0 };
  const otherModels = new Map<string, number>();
  /** name key → person id, for the people declared in this file. */
  const declared = new Map<string, number>();
  const personId = (name: string, field: string): number => {
    const id = declared.get(nameKey(name));
    if (id === undefined) throw new FaceKitError('BAD_INPUT', `${field}: "${name}" has no person record before it`);
    return id;
  };

  const apply = (r: ExportRecord): void => {
    switch (r.type) {
      case 'person': {
        const name = cleanName(r.name);
        const existing = repo.people.idByName(name);
        if (existing !== undefined) {
          report.people.merged++;
          declared.set(nameKey(name), existing);
        } else {
          declared.set(nameKey(name), repo.people.insert(name, isoTime(r.createdAt, 'createdAt'), isoTime(r.updatedAt, 'updatedAt')));
          report.people.added++;
        }
        return;
      }
      case 'face': {
        const owner = personId(r.person, 'person');
        const embedding = decodeBase64(r.embedding);
        if (embedding.length !== r.dim * 4)
          throw new FaceKitError('BAD_INPUT', `embedding: ${embedding.length} bytes, expected dim × 4 = ${r.dim * 4}`);
        const values = new Float32Array(embedding.buffer.slice(embedding.byteOffset, embedding.byteOffset + embedding.length));
        if (!values.every(Number.isFinite)) throw new FaceKitError('BAD_INPUT', 'embedding: contains NaN or Infinity');
        const thumbnail = r.thumbnail === null ? null : decodeBase64(r.thumbnail);
        if (thumbnail && !(thumbnail[0] === 0xff && thumbnail[1] === 0xd8)) throw new FaceKitError('BAD_INPUT', 'thumbnail: not a JPEG');
        const present = r.photo ? repo.faces.onPhoto(r.photo.sha256, r.faceIndex) : repo.faces.withoutPhoto(owner, r.modelId, values);
        if (present !== undefined) {
          report.faces.skipped++;
          return;
        }
        const createdAt = isoTime(r.createdAt, 'createdAt');
        const photoId = r.photo ? repo.photos.ensure(r.photo, createdAt) : null;
        repo.faces.insert({
          personId: owner,
          photoId,
          faceIndex: r.faceIndex,
          box: r.box,
          score: r.score,
          faceSize: r.faceSize,
          blur: r.blur,
          modelId: r.modelId,
          embedding: values,
          createdAt,
          thumbnail,
        });
        report.faces.added++;
        if (options.currentModelId !== undefined && r.modelId !== options.currentModelId)
          otherModels.set(r.modelId, (otherModels.get(r.modelId) ?? 0) + 1);
        return;
      }
      case 'checkin': {
        const linked = r.person === null ? null : personId(r.person, 'person');
        const at = isoTime(r.at, 'at');
        const c = { personId: linked, personName: r.personName, distance: r.distance, at, source: r.source };
        if (repo.checkins.exists(c)) {
          report.checkins.skipped++;
          return;
        }
        repo.checkins.insert(c);
        report.checkins.added++;
        return;
      }
      case 'setting': {
        if (repo.settings.addIfAbsent(r.key, r.value, new Date().toISOString())) report.settings.added++;
        else report.settings.kept++;
        return;
      }
      case 'end':
        return;
    }
  };

  const iterator = lines[Symbol.iterator]();
  parseHeader(iterator.next().value as NumberedLine | undefined, file);
  let ended = false;
  for (let next = iterator.next(); !next.done; next = iterator.next()) {
    const { line, value } = next.value;
    if (ended) throw new FaceKitError('BAD_INPUT', `line ${line}: data after the end record`, file);
    const type = (value as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !RECORD_TYPES.includes(type)) {
      throw new FaceKitError(
        'BAD_INPUT',
        `line ${line}: unknown record type ${JSON.stringify(type)?.slice(0, 40)} (expected ${RECORD_TYPES.join(', ')})`,
        file,
      );
    }
    const what = `${type} record`;
    const parsed = record.safeParse(value);
    if (!parsed.success) throw new FaceKitError('BAD_INPUT', `line ${line} (${what}): ${describe(parsed.error)}`, file);
    const r = parsed.data;
    if (r.type === 'end') {
      for (const key of Object.keys(seen) as (keyof ExportCounts)[]) {
        if (r.counts[key] !== seen[key]) {
          throw new FaceKitError(
            'BAD_INPUT',
            `line ${line}: the end record counts ${r.counts[key]} ${key} record(s), the file has ${seen[key]}: the file was cut or edited`,
            file,
          );
        }
      }
      ended = true;
      continue;
    }
    try {
      apply(r);
    } catch (error) {
      // Our checks and the schema's (CHECK, triggers, UNIQUE) are about this line; anything else is not.
      const aboutLine =
        isFaceKitError(error) || (error instanceof Error && 'code' in error && String(error.code).startsWith('SQLITE_CONSTRAINT'));
      if (!aboutLine) throw error;
      throw new FaceKitError('BAD_INPUT', `line ${line} (${what}): ${(error as Error).message}`, file);
    }
    seen[r.type]++;
  }
  if (!ended) throw new FaceKitError('BAD_INPUT', 'the file ends without its end record: it was cut short', file);
  report.otherModels = [...otherModels].map(([modelId, count]) => ({ modelId, count }));
  return report;
}
