// The portable export (docs/export-format.md): a round trip keeps every byte that matters, importing
// merges and is idempotent, and a bad file is refused whole, with the line and field named.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { Store, type NewFace, type PhotoInfo } from '../../../db/store.ts';
import { readJsonLines } from '../../../db/portable.ts';
import { newRawKey } from '../../../db/key.ts';
import { isFaceKitError } from '../../../api/errors.ts';
import { at } from '../../helpers/assert.ts';
import { tempDir } from '../../helpers/fixtures.ts';

let dir: string;
let n = 0;
before(() => {
  dir = tempDir('facekit-portable-');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const newFile = (name = 'facekit.db') => path.join(dir, `d${n++}`, name);

const photo = (label: string): PhotoInfo => ({
  sha256: createHash('sha256').update(label).digest('hex'),
  path: `/photos/${label}.jpg`,
  width: 640,
  height: 480,
});
const emb = (seed: number, dim = 128) => Float32Array.from({ length: dim }, (_, i) => Math.sin(seed + i) * 0.3);
const face = (seed: number, extra: Partial<NewFace> = {}): NewFace => ({
  faceIndex: 0,
  box: { x: 10.5, y: 20.25, width: 100, height: 120 },
  score: 0.975,
  faceSize: 110,
  blur: 250.5,
  modelId: 'model-a',
  embedding: emb(seed),
  thumbnail: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), randomBytes(200)]),
  ...extra,
});

/** A store with a bit of everything the format carries. */
function seedStore(file: string, key?: string): Store {
  const store = Store.open(file, { key });
  store.enrolFace('Ann Lee', photo('ann1'), face(1), { createIfMissing: true });
  store.enrolFace('Ann Lee', photo('group'), face(2, { faceIndex: 1 }));
  store.enrolFace('Bob', photo('group'), face(3, { faceIndex: 0, thumbnail: undefined }), { createIfMissing: true });
  store.enrolFace('Émile', photo('old'), face(4, { modelId: 'model-old', embedding: emb(4, 64) }), { createIfMissing: true });
  const ann = store.requirePerson('Ann Lee');
  store.addCheckin({ personId: ann.id, personName: 'Ann Lee', distance: 0.31, at: '2026-01-02T08:00:00.000Z', source: 'kiosk' });
  store.addCheckin({ personId: null, personName: 'unknown', distance: null, at: '2026-01-02T09:00:00.000Z', source: 'kiosk' });
  store.setSetting('recognition.threshold', 0.55);
  store.setSetting('kiosk.cooldownSeconds', 120);
  return store;
}

function exportFile(store: Store, file: string): string[] {
  const lines: string[] = [];
  store.exportTo((record) => lines.push(JSON.stringify(record)), 'facekit test');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return lines;
}

/** Everything that must survive, with the ids (which may differ) left out. */
function contents(store: Store) {
  const faces = store.listFaces().map((f) => {
    const thumbnail = store.faceThumbnail(f.id);
    return {
      person: f.personName,
      sha: f.photoSha256,
      path: f.photoPath,
      index: f.faceIndex,
      box: f.box,
      model: f.modelId,
      created: f.createdAt,
      embedding: Buffer.from(store.faceEmbedding(f.id).buffer).toString('hex'),
      thumbnail: thumbnail && Buffer.from(thumbnail).toString('hex'),
    };
  });
  return {
    people: store.listPeople().map(({ name, createdAt, faceCount, photoCount }) => ({ name, createdAt, faceCount, photoCount })),
    faces,
    checkins: store
      .listCheckins()
      .map(({ personName, distance, at, source, personId }) => ({ personName, distance, at, source, linked: personId !== null })),
    settings: [store.getSetting('recognition.threshold'), store.getSetting('kiosk.cooldownSeconds')],
  };
}

const counts = (store: Store) => ({
  people: store.listPeople().length,
  faces: store.listFaces().length,
  checkins: store.listCheckins().length,
});

describe('export and import', () => {
  test('round trip into a fresh store: same people, byte-identical embeddings and thumbnails, same check-ins and settings', () => {
    const source = seedStore(newFile(), newRawKey()); // encrypted source: the export itself is plain JSON
    const file = newFile('export.jsonl');
    const lines = exportFile(source, file);
    assert.equal(JSON.parse(at(lines, 0, 'the first line')).format, 'facekit-export');
    assert.deepEqual(JSON.parse(at(lines, -1, 'the last line')), { type: 'end', counts: { person: 3, face: 4, checkin: 2, setting: 2 } });

    const target = Store.open(newFile());
    const report = target.importFrom(readJsonLines(file), { file, currentModelId: 'model-a' });
    assert.deepEqual(report, {
      people: { added: 3, merged: 0 },
      faces: { added: 4, skipped: 0 },
      checkins: { added: 2, skipped: 0 },
      settings: { added: 2, kept: 0 },
      otherModels: [{ modelId: 'model-old', count: 1 }],
    });
    assert.deepEqual(contents(target), contents(source));
    // The search matrix is rebuilt from the imported rows, bit for bit.
    assert.deepEqual(target.embeddingIndex('model-a').matrix, source.embeddingIndex('model-a').matrix);

    // Importing the same file again changes nothing.
    const again = target.importFrom(readJsonLines(file), { file, currentModelId: 'model-a' });
    assert.deepEqual(again, {
      people: { added: 0, merged: 3 },
      faces: { added: 0, skipped: 4 },
      checkins: { added: 0, skipped: 2 },
      settings: { added: 0, kept: 2 },
      otherModels: [],
    });
    assert.deepEqual(contents(target), contents(source));
    source.close();
    target.close();
  });

  test('merges into a store that has people: same name (any case) is the same person; its settings win', () => {
    const source = seedStore(newFile());
    const file = newFile('export.jsonl');
    exportFile(source, file);
    source.close();

    const target = Store.open(newFile());
    target.enrolFace('ANN LEE', photo('ann-elsewhere'), face(9), { createIfMissing: true });
    target.setSetting('recognition.threshold', 0.5);
    const report = target.importFrom(readJsonLines(file), { file });
    assert.deepEqual(report.people, { added: 2, merged: 1 });
    assert.deepEqual(report.settings, { added: 1, kept: 1 });
    assert.deepEqual(
      target.listPeople().map((p) => [p.name, p.faceCount]),
      [
        ['ANN LEE', 3],
        ['Bob', 1],
        ['Émile', 1],
      ],
    );
    assert.equal(target.getSetting('recognition.threshold'), 0.5);
    target.close();
  });

  test('a face without a photo record round-trips and is not duplicated on re-import', () => {
    const file = newFile();
    const source = seedStore(file);
    source.close();
    const raw = new Database(file);
    raw.prepare('DELETE FROM photos WHERE sha256 = ?').run(photo('ann1').sha256); // provenance dropped: photo_id → NULL
    raw.close();
    const reopened = Store.open(file);
    const out = newFile('export.jsonl');
    exportFile(reopened, out);
    const target = Store.open(newFile());
    target.importFrom(readJsonLines(out), { file: out });
    target.importFrom(readJsonLines(out), { file: out });
    assert.deepEqual(contents(target), contents(reopened));
    reopened.close();
    target.close();
  });

  test('import writes the same face, photo and person rows as enrolment, column for column', () => {
    // Both go through db/repositories/: every stored column (score, blur, dim, imported_at, ...) matches,
    // not only what listFaces shows. A fresh target inserts in the same order, so even the ids agree.
    const sourceFile = newFile();
    seedStore(sourceFile).close();
    const file = newFile('export.jsonl');
    const reopened = Store.open(sourceFile);
    exportFile(reopened, file);
    reopened.close();
    const targetFile = newFile();
    const target = Store.open(targetFile);
    target.importFrom(readJsonLines(file), { file });
    target.close();

    const rows = (db: string) => {
      const raw = new Database(db, { readonly: true });
      try {
        return {
          faces: raw.prepare('SELECT * FROM faces ORDER BY id').all(),
          photos: raw.prepare('SELECT * FROM photos ORDER BY id').all(),
          people: raw.prepare('SELECT * FROM people ORDER BY id').all(),
        };
      } finally {
        raw.close();
      }
    };
    const enrolled = rows(sourceFile);
    assert.equal(enrolled.faces.length, 4);
    assert.deepEqual(rows(targetFile), enrolled);
  });
});

describe('bad export files are refused whole, naming the line', () => {
  let good: string[];
  let target: Store;
  before(() => {
    const source = seedStore(newFile());
    good = exportFile(source, newFile('unused.jsonl'));
    source.close();
    target = Store.open(newFile());
    target.enrolFace('Zed', photo('zed'), face(7), { createIfMissing: true });
  });
  after(() => target.close());

  const faceLine = () => good.findIndex((l) => JSON.parse(l).type === 'face');
  const edit = (index: number, change: (r: Record<string, unknown>) => void) =>
    good.map((l, i) => (i === index ? JSON.stringify(((r) => (change(r), r))(JSON.parse(l))) : l));
  const cases: { name: string; lines: () => string[] | string; error: RegExp | (() => RegExp) }[] = [
    { name: 'empty file', lines: () => '', error: /the file is empty/ },
    { name: 'a CSV file', lines: () => 'name,photo\nann,a.jpg\n', error: /line 1: not JSON/ },
    {
      name: 'other JSON',
      lines: () => [JSON.stringify({ hello: 'world' })],
      error: /line 1: not a FaceKit export \(its first line has no "format": "facekit-export"\)/,
    },
    {
      name: 'a newer format version',
      lines: () => edit(0, (r) => (r.version = 2)),
      error: /line 1: export format version 2 is newer than this FaceKit reads \(1\)/,
    },
    {
      name: 'an embedding of the wrong length',
      lines: () => edit(faceLine(), (r) => (r.embedding = Buffer.alloc(100).toString('base64'))),
      error: () => new RegExp(`line ${faceLine() + 1} \\(face record\\): embedding: 100 bytes, expected dim × 4 = 512`),
    },
    {
      name: 'an embedding that is not base64',
      lines: () => edit(faceLine(), (r) => (r.embedding = 'not base64!')),
      error: () => new RegExp(`line ${faceLine() + 1} \\(face record\\): embedding: expected base64`),
    },
    { name: 'a score out of range', lines: () => edit(faceLine(), (r) => (r.score = 7)), error: /\(face record\): score: Too big/ },
    {
      name: 'a face of an undeclared person',
      lines: () => edit(faceLine(), (r) => (r.person = 'Nobody')),
      error: /\(face record\): person: "Nobody" has no person record before it/,
    },
    {
      name: 'an unknown record type',
      lines: () => edit(faceLine(), (r) => (r.type = 'selfie')),
      error: /line \d+: unknown record type "selfie" \(expected person, face, checkin, setting, end\)/,
    },
    {
      name: 'a line that is not JSON',
      lines: () => edit(2, () => undefined).map((l, i) => (i === 2 ? '{"type":"person",' : l)),
      error: /line 3: not JSON/,
    },
    { name: 'a file cut short', lines: () => good.slice(0, -3), error: /ends without its end record: it was cut short/ },
    {
      name: 'a record removed',
      lines: () => good.filter((_, i) => i !== faceLine()),
      error: /the end record counts 4 face record\(s\), the file has 3: the file was cut or edited/,
    },
    {
      name: 'a dimension the store disagrees with',
      lines: () =>
        edit(faceLine(), (r) => {
          r.modelId = 'model-a';
          r.dim = 64;
          r.embedding = Buffer.from(emb(1, 64).buffer).toString('base64');
        }),
      error: /\(face record\): .*embedding dimension differs/,
    },
    { name: 'data after the end', lines: () => [...good, at(good, 1, 'a record line')], error: /data after the end record/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const file = newFile('bad.jsonl');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const lines = c.lines();
      fs.writeFileSync(file, typeof lines === 'string' ? lines : `${lines.join('\n')}\n`);
      const before = { ...counts(target), settings: target.getSetting('recognition.threshold') };
      assert.throws(
        () => target.importFrom(readJsonLines(file), { file }),
        (e: unknown) => {
          assert.ok(isFaceKitError(e, 'BAD_INPUT'), String(e));
          assert.equal(e.file, file);
          assert.match(e.message, typeof c.error === 'function' ? c.error() : c.error);
          return true;
        },
      );
      assert.deepEqual({ ...counts(target), settings: target.getSetting('recognition.threshold') }, before, 'nothing imported');
    });
  }
});
