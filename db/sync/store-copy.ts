// Runs in the CLI (`facekit store migrate`). Copies a whole store between a SQLite file and a PostgreSQL
// registry, either way, and verifies the copy: both sides are read back into one comparable form (people by
// name, faces by pipeline + photo + face index with their decrypted embedding, thumbnail, box and photo
// record, check-ins by content) and every source item must be in the target, equal. A mismatch is an error.
// - SQLite → registry: one registry transaction (db/postgres/registry.ts copyIntoRegistry), faces sealed
//   here, check-ins under keys derived from their content, so running it again adds nothing.
// - registry → SQLite: a fresh file, built under a temporary name beside the target and renamed into place
//   only once verified; an existing non-empty target is refused untouched.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { FaceKitError } from '../../api/errors.ts';
import type { StoreKey } from '../key.ts';
import type { ExportRecord } from '../portable.ts';
import { Store } from '../store.ts';
import { fsyncDir, fsyncFile, removeDatabaseFiles, sideFiles, storeFileState } from '../store-file.ts';
import type { PhotoInfo } from '../types.ts';
import { nameKey } from '../validate.ts';
import { redactUrl } from '../postgres/client.ts';
import { changesSince, copyIntoRegistry, type CopiedCheckin, type CopiedFace, type CopyCounts } from '../postgres/registry.ts';
import { openFace, sealFace, type RegistryKeys } from './crypto.ts';
import { openRegistry } from './registry-session.ts';

export type CopyStage = 'read' | 'write' | 'verify';
export type CopyProgress = (stage: CopyStage, done: number, total: number) => void;

export interface MigrateReport {
  direction: 'sqlite-to-registry' | 'registry-to-sqlite';
  from: string;
  to: string;
  /** What the source holds, what the copy added, and what the target already had (a re-run: all of it). */
  people: { source: number; added: number; existing: number };
  faces: { source: number; added: number; existing: number };
  checkins: { source: number; added: number; existing: number };
  /** Kept by the SQLite store only, not copied (the registry has no place for them yet). */
  notCopied: { settings: number };
  /** Always true in a report: a failed verification throws. */
  verified: true;
}

// ---------- one comparable form for both sides ----------

interface SnapFace {
  person: string; // name key
  photo: PhotoInfo;
  faceIndex: number;
  modelId: string;
  embedding: Buffer; // float32 LE
  thumbnail: Buffer | null;
  box: { x: number; y: number; width: number; height: number };
  score: number;
  faceSize: number;
  blur: number;
  createdAt: string;
}
interface SnapCheckin {
  person: string | null; // name key of the linked person
  personName: string;
  distance: number | null;
  at: string;
  source: string;
}
interface Snapshot {
  people: Map<string, string>; // name key → name
  faces: Map<string, SnapFace>;
  checkins: SnapCheckin[];
  settings: number;
}

const faceKey = (modelId: string, sha256: string, faceIndex: number): string => `${modelId}|${sha256}|${faceIndex}`;
const checkinContent = (c: SnapCheckin): string => JSON.stringify([Date.parse(c.at), c.person, c.personName, c.distance, c.source]);
const float32Bytes = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
/** A copy, so the Float32Array is aligned whatever the Buffer's offset (little-endian hosts, as the stores assume). */
const toFloat32 = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** A SQLite store's content from one snapshot (Store.exportTo: the portable export's records). */
function snapshotStore(store: Store): Snapshot & { people: Map<string, string>; personTimes: Map<string, [string, string]> } {
  const snap: Snapshot = { people: new Map(), faces: new Map(), checkins: [], settings: 0 };
  const personTimes = new Map<string, [string, string]>();
  const withoutPhoto: string[] = [];
  store.exportTo((value) => {
    const r = value as ExportRecord | { format: string };
    if (!('type' in r)) return;
    if (r.type === 'person') {
      snap.people.set(nameKey(r.name), r.name);
      personTimes.set(nameKey(r.name), [r.createdAt, r.updatedAt]);
    } else if (r.type === 'face') {
      if (r.photo === null) return void withoutPhoto.push(r.person);
      snap.faces.set(faceKey(r.modelId, r.photo.sha256, r.faceIndex), {
        person: nameKey(r.person),
        photo: r.photo,
        faceIndex: r.faceIndex,
        modelId: r.modelId,
        embedding: Buffer.from(r.embedding, 'base64'),
        thumbnail: r.thumbnail === null ? null : Buffer.from(r.thumbnail, 'base64'),
        box: r.box,
        score: r.score,
        faceSize: r.faceSize,
        blur: r.blur,
        createdAt: r.createdAt,
      });
    } else if (r.type === 'checkin') {
      snap.checkins.push({
        person: r.person === null ? null : nameKey(r.person),
        personName: r.personName,
        distance: r.distance,
        at: r.at,
        source: r.source,
      });
    } else if (r.type === 'setting') {
      snap.settings++;
    }
  }, 'facekit store migrate');
  if (withoutPhoto.length > 0) {
    throw new FaceKitError(
      'BAD_INPUT',
      `${withoutPhoto.length} face(s) have no photo record (imported without one; first: "${withoutPhoto[0]}"): the registry keeps a face by its photo, so they cannot be copied — re-enrol them or remove them first`,
      store.file,
    );
  }
  return { ...snap, personTimes };
}

/** The registry's content from one snapshot, every face opened with the key (a wrong key fails here). */
async function snapshotRegistry(client: Parameters<typeof changesSince>[0], keys: RegistryKeys): Promise<Snapshot> {
  const changes = await changesSince(client, 0);
  const names = new Map(changes.people.map((p) => [p.id, p.name]));
  const snap: Snapshot = {
    people: new Map(changes.people.map((p) => [nameKey(p.name), p.name])),
    faces: new Map(),
    checkins: [],
    settings: 0,
  };
  for (const f of changes.faces) {
    const { photo, face } = openFace(keys, f);
    const owner = names.get(f.personId);
    if (owner === undefined) throw new FaceKitError('INTERNAL', `registry face ${f.id} has no person in the same snapshot`);
    const key = faceKey(f.modelId, photo.sha256, face.faceIndex);
    snap.faces.set(key, {
      person: nameKey(owner),
      photo,
      faceIndex: face.faceIndex,
      modelId: f.modelId,
      embedding: float32Bytes(face.embedding),
      thumbnail: face.thumbnail ? Buffer.from(face.thumbnail) : null,
      box: face.box,
      score: face.score,
      faceSize: face.faceSize,
      blur: face.blur,
      createdAt: f.createdAt,
    });
  }
  for (const c of changes.checkins) {
    const owner = c.personId === null ? undefined : names.get(c.personId);
    snap.checkins.push({
      person: owner === undefined ? null : nameKey(owner),
      personName: c.personName,
      distance: c.distance,
      at: c.at,
      source: c.source,
    });
  }
  return snap;
}

function sameFace(a: SnapFace, b: SnapFace): boolean {
  return (
    a.person === b.person &&
    a.embedding.equals(b.embedding) &&
    (a.thumbnail === null ? b.thumbnail === null : b.thumbnail !== null && a.thumbnail.equals(b.thumbnail)) &&
    JSON.stringify([a.box, a.score, a.faceSize, a.blur]) === JSON.stringify([b.box, b.score, b.faceSize, b.blur]) &&
    JSON.stringify([a.photo.sha256, a.photo.path, a.photo.width, a.photo.height]) ===
      JSON.stringify([b.photo.sha256, b.photo.path, b.photo.width, b.photo.height])
  );
}

/** Every source item in the target, equal (and, for a fresh target, nothing else); else a FaceKitError naming the first differences. */
function verifyCopy(source: Snapshot, target: Snapshot, exact: boolean, where: string): void {
  const problems: string[] = [];
  for (const [key, name] of source.people) if (!target.people.has(key)) problems.push(`person "${name}" missing`);
  for (const [key, face] of source.faces) {
    const copy = target.faces.get(key);
    if (!copy) problems.push(`face ${face.faceIndex} of ${face.photo.path} (${source.people.get(face.person) ?? face.person}) missing`);
    else if (!sameFace(face, copy))
      problems.push(`face ${face.faceIndex} of ${face.photo.path} differs (owner, embedding, thumbnail, box, quality or photo)`);
  }
  const counts = new Map<string, number>();
  for (const c of target.checkins) counts.set(checkinContent(c), (counts.get(checkinContent(c)) ?? 0) + 1);
  for (const c of source.checkins) {
    const k = checkinContent(c);
    const left = counts.get(k) ?? 0;
    if (left === 0) problems.push(`check-in of "${c.personName}" at ${c.at} missing`);
    counts.set(k, left - 1);
  }
  if (exact) {
    const sizes = (s: Snapshot): number[] => [s.people.size, s.faces.size, s.checkins.length];
    if (JSON.stringify(sizes(source)) !== JSON.stringify(sizes(target)))
      problems.push(`counts differ: source ${sizes(source).join('/')}, copy ${sizes(target).join('/')} (people/faces/check-ins)`);
  }
  if (problems.length > 0) {
    throw new FaceKitError(
      'INTERNAL',
      `the copy in ${where} does not match its source (${problems.length} problem(s)): ${problems.slice(0, 5).join('; ')}`,
    );
  }
}

// ---------- SQLite → registry ----------

/** A check-in's idempotency key from its content and its rank among identical ones: the same on every run. */
function checkinKey(c: SnapCheckin, ordinal: number): string {
  const h = createHash('sha256')
    .update(`facekit store migrate v1|${checkinContent(c)}|${ordinal}`)
    .digest('hex');
  // shaped as a UUID (version 5 nibble, RFC 4122 variant) for the registry's uuid column
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.charAt(16), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface ToRegistryOptions {
  source: string;
  url: string;
  /** FACEKIT_KEY: the registry's biometrics key, and the source's SQLCipher key when the source is encrypted. */
  key: StoreKey;
  onProgress?: CopyProgress;
  connectTimeoutMs?: number;
}

export async function copySqliteToRegistry(o: ToRegistryOptions): Promise<MigrateReport> {
  const progress = o.onProgress ?? (() => undefined);
  const state = storeFileState(o.source);
  if (state === 'missing') throw new FaceKitError('NOT_FOUND', 'there is no store here', o.source);
  // A plain source stays plain: opening it with a key would encrypt it in place.
  const store = Store.open(o.source, state === 'other' ? { key: o.key } : {});
  try {
    const session = await openRegistry(o.url, o.key, o.connectTimeoutMs);
    try {
      const source = snapshotStore(store);
      progress('read', 1, 1);
      const data = sealForRegistry(source, session.keys);
      const counts = await copyIntoRegistry(session.client, data, (done, total) => progress('write', done, total));
      progress('verify', 0, 1);
      verifyCopy(source, await snapshotRegistry(session.client, session.keys), false, `the registry (${redactUrl(o.url)})`);
      progress('verify', 1, 1);
      return report('sqlite-to-registry', path.resolve(o.source), redactUrl(o.url), source, counts);
    } finally {
      await session.client.end().catch(() => undefined);
    }
  } finally {
    store.close();
  }
}

function sealForRegistry(
  source: ReturnType<typeof snapshotStore>,
  keys: RegistryKeys,
): { people: { name: string; createdAt: string; updatedAt: string }[]; faces: CopiedFace[]; checkins: CopiedCheckin[] } {
  const people = [...source.people].map(([key, name]) => {
    const [createdAt, updatedAt] = source.personTimes.get(key) ?? [new Date().toISOString(), new Date().toISOString()];
    return { name, createdAt, updatedAt };
  });
  const faces = [...source.faces.values()].map((f): CopiedFace => {
    const face = { ...f, embedding: toFloat32(f.embedding) };
    return { personName: expectName(source.people, f.person), ...sealFace(keys, { photo: f.photo, face }), createdAt: f.createdAt };
  });
  const seen = new Map<string, number>();
  const checkins = source.checkins.map((c): CopiedCheckin => {
    const ordinal = seen.get(checkinContent(c)) ?? 0;
    seen.set(checkinContent(c), ordinal + 1);
    return {
      key: checkinKey(c, ordinal),
      person: c.person === null ? null : expectName(source.people, c.person),
      personName: c.personName,
      distance: c.distance,
      at: c.at,
      source: c.source,
      kiosk: 'store migrate',
    };
  });
  return { people, faces, checkins };
}

function expectName(people: Map<string, string>, key: string): string {
  const name = people.get(key);
  if (name === undefined) throw new FaceKitError('INTERNAL', `a face or check-in of a person missing from the same snapshot (${key})`);
  return name;
}

function report(direction: MigrateReport['direction'], from: string, to: string, source: Snapshot, counts: CopyCounts): MigrateReport {
  return {
    direction,
    from,
    to,
    people: { source: source.people.size, ...counts.people },
    faces: { source: source.faces.size, ...counts.faces },
    checkins: { source: source.checkins.length, ...counts.checkins },
    notCopied: { settings: source.settings },
    verified: true,
  };
}

// ---------- registry → SQLite ----------

export interface ToSqliteOptions {
  url: string;
  /** FACEKIT_KEY: opens the registry's biometrics. */
  key: StoreKey;
  target: string;
  /** The new file's SQLCipher key; undefined writes a plain (unencrypted) store. */
  targetKey: StoreKey | undefined;
  onProgress?: CopyProgress;
  connectTimeoutMs?: number;
}

const WRITE_CHUNK = 1000;

export async function copyRegistryToSqlite(o: ToSqliteOptions): Promise<MigrateReport> {
  const progress = o.onProgress ?? (() => undefined);
  const target = path.resolve(o.target);
  if (storeFileState(target) !== 'missing' || sideFiles(target).some((f) => fs.existsSync(f)))
    throw new FaceKitError('BAD_INPUT', 'the target exists and is not empty: migrate into a new file', target);
  const session = await openRegistry(o.url, o.key, o.connectTimeoutMs);
  let source: Snapshot;
  try {
    source = await snapshotRegistry(session.client, session.keys);
  } finally {
    await session.client.end().catch(() => undefined);
  }
  progress('read', 1, 1);
  const work = path.join(path.dirname(target), `.${path.basename(target)}.migrate-${process.pid}.tmp`);
  removeDatabaseFiles(work);
  try {
    const store = Store.open(work, o.targetKey === undefined ? {} : { key: o.targetKey });
    try {
      writeSnapshot(store, source, (done, total) => progress('write', done, total));
      progress('verify', 0, 1);
      verifyCopy(source, snapshotStore(store), true, target);
      progress('verify', 1, 1);
    } finally {
      store.close();
    }
    if (sideFiles(work).some((f) => fs.existsSync(f) && fs.statSync(f).size > 0))
      throw new FaceKitError('INTERNAL', 'the new store was not checkpointed on close', work);
    fsyncFile(work);
    placeNoClobber(work, target);
    fsyncDir(path.dirname(target));
  } finally {
    removeDatabaseFiles(work);
  }
  return report('registry-to-sqlite', redactUrl(o.url), target, source, {
    people: { added: source.people.size, existing: 0 },
    faces: { added: source.faces.size, existing: 0 },
    checkins: { added: source.checkins.length, existing: 0 },
  });
}

/** Moves the finished file into place, never over a file that appeared meanwhile (an empty one may go). */
function placeNoClobber(work: string, target: string): void {
  for (const f of sideFiles(work)) fs.rmSync(f, { force: true });
  if (fs.existsSync(target)) {
    if (storeFileState(target) !== 'missing') throw new FaceKitError('BAD_INPUT', 'the target appeared while copying: left alone', target);
    fs.renameSync(work, target);
    return;
  }
  try {
    fs.linkSync(work, target); // fails with EEXIST rather than replacing
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new FaceKitError('BAD_INPUT', 'the target appeared while copying: left alone', target);
    throw error;
  }
  fs.rmSync(work);
}

/** Writes people, faces and check-ins into the new store, a transaction per 1000 rows (it is a work file). */
function writeSnapshot(store: Store, s: Snapshot, progress: (done: number, total: number) => void): void {
  const total = s.people.size + s.faces.size + s.checkins.length;
  let done = 0;
  const ids = new Map<string, number>();
  const firstFace = new Map<string, string>();
  for (const f of s.faces.values()) if ((firstFace.get(f.person) ?? '\uffff') > f.createdAt) firstFace.set(f.person, f.createdAt);
  const now = new Date().toISOString();
  for (const part of chunk([...s.people])) {
    store.replicate((_db, repo) => {
      for (const [key, name] of part) {
        const t = firstFace.get(key) ?? now; // the registry keeps no creation time a pull reads: the first face's
        ids.set(key, repo.people.insert(name, t, t));
      }
    });
    progress((done += part.length), total);
  }
  const personId = (key: string): number => {
    const id = ids.get(key);
    if (id === undefined) throw new FaceKitError('INTERNAL', `a face or check-in of a person missing from the registry snapshot (${key})`);
    return id;
  };
  for (const part of chunk([...s.faces.values()])) {
    store.replicate((_db, repo) => {
      for (const f of part) {
        repo.faces.insert({
          faceIndex: f.faceIndex,
          box: f.box,
          score: f.score,
          faceSize: f.faceSize,
          blur: f.blur,
          modelId: f.modelId,
          embedding: toFloat32(f.embedding),
          thumbnail: f.thumbnail,
          personId: personId(f.person),
          photoId: repo.photos.ensure(f.photo, f.createdAt),
          createdAt: f.createdAt,
        });
      }
    });
    progress((done += part.length), total);
  }
  for (const part of chunk(s.checkins)) {
    store.replicate((_db, repo) => {
      for (const c of part)
        repo.checkins.insert({
          personId: c.person === null ? null : personId(c.person),
          personName: c.personName,
          distance: c.distance,
          at: c.at,
          source: c.source,
        });
    });
    progress((done += part.length), total);
  }
}

function chunk<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += WRITE_CHUNK) out.push(list.slice(i, i + WRITE_CHUNK));
  return out;
}
