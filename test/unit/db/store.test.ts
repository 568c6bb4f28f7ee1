import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { Store, type NewFace, type PhotoInfo } from '../../../db/store.ts';
import { isFaceKitError, type ErrorCode } from '../../../api/errors.ts';

const DIM = 8;
let dir: string;
let file: string;
let store: Store;
let n = 0;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'facekit-store-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  file = join(dir, `s${n++}`, 'facekit.db');
  store = Store.open(file);
});
afterEach(() => store.close());

const photo = (label: string): PhotoInfo => ({
  sha256: createHash('sha256').update(label).digest('hex'),
  path: `/photos/${label}.jpg`,
  width: 640,
  height: 480,
});
/** Deterministic synthetic embedding; `seed` makes rows distinguishable. */
const emb = (seed: number, dim = DIM): Float32Array => Float32Array.from({ length: dim }, (_, i) => seed + i / 10);
const face = (seed: number, faceIndex = 0, extra: Partial<NewFace> = {}): NewFace => ({
  faceIndex,
  box: { x: 10, y: 20, width: 100, height: 120 },
  score: 0.98,
  faceSize: 110,
  blur: 250,
  modelId: 'facenet-512',
  embedding: emb(seed),
  ...extra,
});
const code = (c: ErrorCode) => (e: unknown) => isFaceKitError(e, c);

/** Raw counts straight from the file, independent of the Store's queries. */
function counts(): Record<string, number> {
  const db = new Database(file, { readonly: true });
  const out: Record<string, number> = {};
  for (const t of ['people', 'photos', 'faces', 'checkins', 'settings'])
    out[t] = db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
  db.close();
  return out;
}

describe('Store basics', () => {
  test('WAL, foreign keys and busy timeout are on', () => {
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal'); // persistent in the file
    db.close();
    // Per-connection pragmas: read through a failing FK write on the Store's own connection.
    assert.throws(() => store.addCheckin({ personId: 12345, personName: 'ghost', distance: null, source: 'cli' }), code('NOT_FOUND'));
    assert.equal(counts().checkins, 0);
  });

  test('busy_timeout: a write waits for another process holding the write lock', async () => {
    // A separate process holds a write transaction for 300 ms; without busy_timeout our write
    // would fail at once with SQLITE_BUSY.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `
      const db = new (require('better-sqlite3-multiple-ciphers'))(process.argv[1]);
      db.exec('BEGIN IMMEDIATE');
      console.log('locked');
      setTimeout(() => { db.exec('COMMIT'); db.close(); }, 300);
    `,
        file,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await once(holder.stdout, 'data');
    const t0 = Date.now();
    store.createPerson('Waiter');
    assert.ok(Date.now() - t0 >= 200, 'the write waited for the lock');
    await once(holder, 'exit');
    assert.equal(holder.exitCode, 0);
  });

  test('people: create, get case-insensitively, validate, conflict', () => {
    const ann = store.createPerson('  Ann Lee ');
    assert.equal(ann.name, 'Ann Lee');
    assert.equal(ann.faceCount, 0);
    assert.equal(store.getPerson('ANN LEE')?.id, ann.id);
    assert.equal(store.getPerson('nobody'), undefined);
    assert.throws(
      () => store.requirePerson('nobody'),
      (e: unknown) => isFaceKitError(e, 'NOT_FOUND') && e.message === 'no person named "nobody"',
    );
    assert.throws(() => store.createPerson('ann lee'), code('CONFLICT'));
    assert.throws(() => store.createPerson('   '), code('BAD_INPUT'));
    assert.throws(() => store.createPerson('x'.repeat(101)), code('BAD_INPUT'));
    assert.throws(() => store.createPerson('bad\nname'), code('BAD_INPUT'));
    store.createPerson('x'.repeat(100));
    // Unicode case folding (SQLite NOCASE would miss this).
    store.createPerson('Émile');
    assert.throws(() => store.createPerson('émile'), code('CONFLICT'));
    assert.deepEqual(
      store.listPeople().map((p) => p.name),
      ['Ann Lee', 'x'.repeat(100), 'Émile'],
    );
  });

  test('rename: not found, conflict, case change of itself', () => {
    store.createPerson('Ann');
    store.createPerson('Bob');
    assert.throws(() => store.renamePerson('Zed', 'Y'), code('NOT_FOUND'));
    assert.throws(() => store.renamePerson('Ann', 'BOB'), code('CONFLICT'));
    assert.equal(store.renamePerson('ann', 'ANN').name, 'ANN');
    const renamed = store.renamePerson('ANN', 'Anna');
    assert.equal(renamed.name, 'Anna');
    assert.equal(store.getPerson('ann'), undefined);
    assert.equal(store.getPerson('anna')?.id, renamed.id);
  });

  test('settings round-trip JSON', () => {
    assert.equal(store.getSetting('threshold'), undefined);
    store.setSetting('threshold', 0.42);
    store.setSetting('camera', { id: 'abc', mirror: true, size: [640, 480], note: null });
    assert.equal(store.getSetting<number>('threshold'), 0.42);
    assert.deepEqual(store.getSetting('camera'), { id: 'abc', mirror: true, size: [640, 480], note: null });
    store.setSetting('threshold', 'strict');
    assert.equal(store.getSetting('threshold'), 'strict');
    store.setSetting('threshold', undefined);
    assert.equal(store.getSetting('threshold'), undefined);
    assert.throws(() => store.setSetting('fn', () => 1), code('BAD_INPUT'));
    store.close();
    store = Store.open(file);
    assert.deepEqual(store.getSetting('camera'), { id: 'abc', mirror: true, size: [640, 480], note: null });
  });
});

describe('enrolment', () => {
  test('is idempotent and stores the exact embedding', () => {
    const p = photo('ann-1');
    const first = store.enrolFace('Ann', p, face(1), { createIfMissing: true });
    assert.equal(first.status, 'added');
    const again = store.enrolFace('ann', p, face(1));
    assert.deepEqual(again, { status: 'already-enrolled', faceId: (first as { faceId: number }).faceId });
    assert.deepEqual(counts(), { people: 1, photos: 1, faces: 1, checkins: 0, settings: 0 });

    const faces = store.listFaces('Ann');
    assert.equal(faces.length, 1);
    const [row] = faces;
    assert.ok(row, 'the face is listed');
    assert.equal(row.photoSha256, p.sha256);
    assert.equal(row.photoPath, p.path);
    assert.equal(row.modelId, 'facenet-512');
    assert.deepEqual(store.faceEmbedding(row.id), emb(1));
    assert.throws(() => store.faceEmbedding(9999), code('NOT_FOUND'));

    const person = store.requirePerson('Ann');
    assert.equal(person.faceCount, 1);
    assert.equal(person.photoCount, 1);
  });

  test('embedding from an unaligned view survives the round trip', () => {
    const backing = new Float32Array(DIM + 1).fill(7);
    const bytes = new Uint8Array(backing.buffer);
    const shifted = new Uint8Array(DIM * 4 + 4);
    shifted.set(bytes.subarray(0, DIM * 4), 4);
    const view = new Float32Array(shifted.buffer, 4, DIM);
    const r = store.enrolFace('Ann', photo('x'), face(0, 0, { embedding: view }), { createIfMissing: true });
    assert.equal(r.status, 'added');
    if (r.status === 'added') assert.deepEqual(store.faceEmbedding(r.faceId), new Float32Array(DIM).fill(7));
  });

  test('a missing person is NOT_FOUND unless createIfMissing', () => {
    assert.throws(() => store.enrolFace('Ann', photo('a'), face(1)), code('NOT_FOUND'));
    assert.deepEqual(counts(), { people: 0, photos: 0, faces: 0, checkins: 0, settings: 0 });
  });

  test('conflict when another person already has that face of the photo; writes nothing', () => {
    const p = photo('shared');
    store.enrolFace('Ann', p, face(1), { createIfMissing: true });
    assert.deepEqual(store.enrolFace('Bob', p, face(2), { createIfMissing: true }), { status: 'conflict', ownerName: 'Ann' });
    assert.equal(store.getPerson('Bob'), undefined); // not created by a refused enrolment
    assert.deepEqual(counts(), { people: 1, photos: 1, faces: 1, checkins: 0, settings: 0 });
    // Another face of the same (group) photo can go to someone else, reusing the photo row.
    assert.equal(store.enrolFace('Bob', p, face(2, 1), { createIfMissing: true }).status, 'added');
    assert.deepEqual(counts(), { people: 2, photos: 1, faces: 2, checkins: 0, settings: 0 });
  });

  test('bad input is rejected with BAD_INPUT', () => {
    store.createPerson('Ann');
    const p = photo('a');
    assert.throws(() => store.enrolFace('Ann', { ...p, sha256: 'abc' }, face(1)), code('BAD_INPUT'));
    assert.throws(() => store.enrolFace('Ann', p, face(1, 0, { embedding: new Float32Array(0) })), code('BAD_INPUT'));
    assert.throws(() => store.enrolFace('Ann', p, face(1, 0, { embedding: Float32Array.of(1, NaN) })), code('BAD_INPUT'));
    assert.throws(() => store.enrolFace('Ann', p, face(1, -1)), code('BAD_INPUT'));
    assert.throws(() => store.enrolFace('Ann', p, face(1, 0, { score: 1.5 })), code('BAD_INPUT')); // schema CHECK
    assert.deepEqual(counts(), { people: 1, photos: 0, faces: 0, checkins: 0, settings: 0 });
  });

  test('a failing write inside the transaction leaves nothing behind', () => {
    store.enrolFace('Ann', photo('a'), face(1), { createIfMissing: true });
    const before = counts();
    // Wrong embedding length for this model: the person and the photo are inserted first, then
    // the face insert is refused by the schema — all of it must roll back.
    assert.throws(
      () => store.enrolFace('Carl', photo('c'), face(3, 0, { embedding: emb(3, DIM + 1) }), { createIfMissing: true }),
      code('BAD_INPUT'),
    );
    // Same via a CHECK constraint after the person/photo inserts.
    assert.throws(
      () => store.enrolFace('Dora', photo('d'), face(4, 0, { box: { x: 0, y: 0, width: 0, height: 10 } }), { createIfMissing: true }),
      code('BAD_INPUT'),
    );
    assert.deepEqual(counts(), before);
    assert.equal(store.getPerson('Carl'), undefined);
    assert.equal(store.getPerson('Dora'), undefined);

    // The raw schema also refuses a blob whose length disagrees with dim.
    const db = new Database(file);
    assert.throws(
      () =>
        db
          .prepare(
            `INSERT INTO faces (person_id, photo_id, face_index, box_x, box_y, box_w, box_h, score, face_size, blur, model_id, dim, embedding, created_at)
      VALUES (1, 1, 5, 0, 0, 1, 1, 0.5, 1, 1, 'other', 4, zeroblob(12), 'now')`,
          )
          .run(),
      /CHECK constraint failed/,
    );
    db.close();
  });

  test('re-enrolling the same face with a new model replaces its embedding', () => {
    const p = photo('a');
    const first = store.enrolFace('Ann', p, face(1), { createIfMissing: true });
    const next = store.enrolFace('Ann', p, face(9, 0, { modelId: 'arcface-v2', embedding: emb(9, 4) }));
    assert.deepEqual(next, { status: 'added', faceId: (first as { faceId: number }).faceId });
    assert.deepEqual(store.embeddingModels(), [{ modelId: 'arcface-v2', count: 1 }]);
    assert.deepEqual(store.faceEmbedding(next.status === 'added' ? next.faceId : -1), emb(9, 4));
  });
});

describe('people lifecycle', () => {
  test('merge moves faces and check-ins and deletes the source', () => {
    store.enrolFace('Ann', photo('a1'), face(1), { createIfMissing: true });
    store.enrolFace('Ann', photo('a2'), face(2), { createIfMissing: true });
    store.enrolFace('Annie', photo('a3'), face(3), { createIfMissing: true });
    const annie = store.requirePerson('Annie');
    store.addCheckin({ personId: annie.id, personName: 'Annie', distance: 0.3, source: 'kiosk' });

    assert.throws(() => store.mergePeople('Ann', 'ann'), code('BAD_INPUT'));
    assert.throws(() => store.mergePeople('Nobody', 'Ann'), code('NOT_FOUND'));
    const { moved, person } = store.mergePeople('Annie', 'Ann');
    assert.equal(moved, 1);
    assert.equal(person.name, 'Ann');
    assert.equal(person.faceCount, 3);
    assert.equal(person.photoCount, 3);
    assert.equal(store.getPerson('Annie'), undefined);
    assert.deepEqual(
      store.listFaces('Ann').map((f) => f.photoPath),
      ['/photos/a1.jpg', '/photos/a2.jpg', '/photos/a3.jpg'],
    );
    const [c] = store.listCheckins();
    assert.ok(c, 'the check-in is kept');
    assert.equal(c.personId, person.id);
    assert.equal(c.personName, 'Annie'); // snapshot kept
  });

  test('removePerson deletes embeddings, check-ins and orphaned photos, keeps a group photo shared with someone else', () => {
    const group = photo('group');
    store.enrolFace('A', group, face(1, 0), { createIfMissing: true });
    store.enrolFace('B', group, face(2, 1), { createIfMissing: true });
    store.enrolFace('A', photo('a-solo'), face(3), { createIfMissing: true });
    const a = store.requirePerson('A');
    store.addCheckin({ personId: a.id, personName: 'A', distance: 0.2, source: 'cli' });

    assert.deepEqual(store.removePerson('a'), { faces: 2, photos: 1, checkins: 1 });
    assert.equal(store.getPerson('A'), undefined);
    assert.deepEqual(counts(), { people: 1, photos: 1, faces: 1, checkins: 0, settings: 0 });
    const [bFace] = store.listFaces('B');
    assert.equal(bFace?.photoSha256, group.sha256);
    assert.deepEqual(
      store.listFaces().map((f) => f.personName),
      ['B'],
    );
    // A's biometrics are gone from the raw file too.
    const db = new Database(file, { readonly: true });
    assert.equal(db.prepare('SELECT count(*) FROM faces WHERE person_id = ?').pluck().get(a.id), 0);
    db.close();
    // Their check-ins go too: "delete" means everywhere.
    assert.deepEqual(store.listCheckins(), []);
    assert.throws(() => store.removePerson('A'), code('NOT_FOUND'));
  });
});

describe('embedding index', () => {
  test('returns the right matrix, per model, and is invalidated after writes', () => {
    const r1 = store.enrolFace('Ann', photo('1'), face(1), { createIfMissing: true });
    const r2 = store.enrolFace('Bob', photo('2'), face(2), { createIfMissing: true });
    store.enrolFace('Old', photo('3'), face(3, 0, { modelId: 'old-128', embedding: emb(3, 4) }), { createIfMissing: true });

    const idx = store.embeddingIndex('facenet-512');
    assert.equal(idx.dim, DIM);
    assert.equal(idx.count, 2);
    assert.equal(idx.matrix.length, 2 * DIM);
    const ann = store.requirePerson('Ann').id;
    const bob = store.requirePerson('Bob').id;
    assert.deepEqual([...idx.faceIds], [(r1 as { faceId: number }).faceId, (r2 as { faceId: number }).faceId]);
    assert.deepEqual([...idx.personIds], [ann, bob]);
    assert.deepEqual(idx.matrix.subarray(0, DIM), emb(1));
    assert.deepEqual(idx.matrix.subarray(DIM), emb(2));
    assert.deepEqual(
      [...idx.names],
      [
        [ann, 'Ann'],
        [bob, 'Bob'],
      ],
    );
    assert.equal(store.embeddingIndex('facenet-512'), idx, 'cached while nothing changes');

    const other = store.embeddingIndex('old-128');
    assert.equal(other.dim, 4);
    assert.equal(other.count, 1);
    const none = store.embeddingIndex('unknown');
    assert.equal(none.count, 0);
    assert.equal(none.matrix.length, 0);
    assert.deepEqual(store.embeddingModels(), [
      { modelId: 'facenet-512', count: 2 },
      { modelId: 'old-128', count: 1 },
    ]);

    store.renamePerson('Bob', 'Robert');
    const afterRename = store.embeddingIndex('facenet-512');
    assert.notEqual(afterRename, idx);
    assert.equal(afterRename.names.get(bob), 'Robert');

    store.enrolFace('Ann', photo('4'), face(4), { createIfMissing: true });
    const afterEnrol = store.embeddingIndex('facenet-512');
    assert.equal(afterEnrol.count, 3);
    assert.deepEqual(afterEnrol.matrix.subarray(2 * DIM), emb(4));

    store.removePerson('Ann');
    const afterRemove = store.embeddingIndex('facenet-512');
    assert.deepEqual([...afterRemove.personIds], [bob]);
  });

  test('a write by another connection invalidates the cache', () => {
    store.enrolFace('Ann', photo('1'), face(1), { createIfMissing: true });
    const idx = store.embeddingIndex('facenet-512');
    const other = Store.open(file);
    other.enrolFace('Bob', photo('2'), face(2), { createIfMissing: true });
    other.close();
    const fresh = store.embeddingIndex('facenet-512');
    assert.notEqual(fresh, idx);
    assert.equal(fresh.count, 2);
  });
});

describe('check-ins', () => {
  test('add and list, newest first, with since and limit', () => {
    const ann = store.createPerson('Ann');
    store.addCheckin({ personId: ann.id, personName: 'Ann', distance: 0.31, at: '2024-05-01T08:00:00Z', source: 'kiosk' });
    store.addCheckin({ personId: null, personName: 'unknown', distance: null, at: '2024-05-02T08:00:00.000Z', source: 'cli' });
    const id3 = store.addCheckin({ personId: ann.id, personName: 'Ann', distance: 0.2, source: 'kiosk' });

    const all = store.listCheckins();
    assert.deepEqual(all.map((c) => c.id)[0], id3);
    assert.equal(all.length, 3);
    assert.equal(all[2]?.at, '2024-05-01T08:00:00.000Z'); // normalised
    assert.deepEqual(all[1], {
      id: all[1]?.id,
      personId: null,
      personName: 'unknown',
      distance: null,
      at: '2024-05-02T08:00:00.000Z',
      source: 'cli',
    });
    assert.equal(store.listCheckins({ since: '2024-05-02T08:00:00Z' }).length, 2);
    assert.equal(store.listCheckins({ limit: 1 })[0]?.id, id3);
    assert.throws(
      () => store.addCheckin({ personId: null, personName: 'x', distance: null, at: 'yesterday', source: 'cli' }),
      code('BAD_INPUT'),
    );
    assert.throws(() => store.addCheckin({ personId: null, personName: 'x', distance: null, source: '' }), code('BAD_INPUT'));
  });
});
