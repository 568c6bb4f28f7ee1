// `facekit store migrate` (#13) against a real PostgreSQL started for this file (test/helpers/postgres.ts) and
// real SQLite files: a SQLite store of synthetic people, faces (with and without thumbnails) and check-ins
// goes to the registry, a kiosk on it holds and identifies the same data, and the registry comes back into a
// new SQLite store with the same counts and embeddings. Re-running adds nothing; refusals leave files alone.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Store } from '../../../db/store.ts';
import { storeFileState } from '../../../db/store-file.ts';
import { Replica } from '../../../db/sync/replica.ts';
import { copyRegistryToSqlite, copySqliteToRegistry } from '../../../db/sync/store-copy.ts';
import { isFaceKitError } from '../../../api/errors.ts';
import { SyntheticFaces } from '../../../engine/evaluation/synthetic-faces.ts';
import { runCli, type CliResult } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/fixtures.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../../helpers/postgres.ts';

const skip = postgresSkipReason();
const KEY = 'store migrate test key: correct horse battery staple';
const MODEL = 'synthetic-128';
const PEOPLE = 12;
const PER_PERSON = 3;
const dir = tempDir('facekit-migrate-');
const source = path.join(dir, 'source.db');
const synthetic = new SyntheticFaces({ seed: 7 });
let server: TestPostgres;

const migrate = (from: string, to: string, key = KEY, extra: string[] = []): Promise<CliResult> =>
  runCli(['store', 'migrate', '--from', from, '--to', to, '--json', ...extra], { FACEKIT_KEY: key, FACEKIT_DB: '' });

async function sql<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client(server.url);
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** Every face as pipeline|photo|index → embedding bytes and owner, to compare two stores. */
function facesOf(store: Store): Map<string, string> {
  return new Map(
    store
      .listFaces()
      .map((f) => [
        `${f.modelId}|${f.photoSha256 ?? '-'}|${f.faceIndex}`,
        `${f.personName}|${Buffer.from(store.faceEmbedding(f.id).buffer).toString('base64')}|${f.photoPath ?? '-'}`,
      ]),
  );
}

/** People, faces (with thumbnails on every other face), check-ins (two identical ones among them) and a setting. */
function fillSource(): void {
  const store = Store.open(source, { key: KEY });
  try {
    store.batch(() => {
      for (let p = 0; p < PEOPLE; p++) {
        for (let s = 0; s < PER_PERSON; s++) {
          const n = p * PER_PERSON + s;
          store.enrolFace(
            `Person ${p}${p === 3 ? ' Ñoño 😀' : ''}`,
            { sha256: createHash('sha256').update(`photo ${n}`).digest('hex'), path: `/photos/p${p}/${s}.jpg`, width: 640, height: 480 },
            {
              faceIndex: s % 2,
              box: { x: 10 + s, y: 20, width: 100.5, height: 110 },
              score: 0.97,
              faceSize: 100,
              blur: 321.5,
              modelId: MODEL,
              embedding: synthetic.face(p, s),
              thumbnail: n % 2 ? Buffer.from(`jpeg bytes of face ${n}`) : null,
            },
            { createIfMissing: true },
          );
        }
      }
      const ada = store.requirePerson('Person 0');
      for (let i = 0; i < 5; i++)
        store.addCheckin({
          personId: ada.id,
          personName: ada.name,
          distance: 0.31,
          at: `2031-01-0${i + 1}T08:00:00.000Z`,
          source: 'kiosk',
        });
      store.addCheckin({ personId: null, personName: '', distance: null, at: '2031-01-01T09:00:00.000Z', source: 'kiosk' });
      store.addCheckin({ personId: null, personName: '', distance: null, at: '2031-01-01T09:00:00.000Z', source: 'kiosk' });
      store.setSetting('kiosk.threshold', 0.5);
    });
  } finally {
    store.close();
  }
}

before(async () => {
  if (skip) return;
  server = await startPostgres();
  fillSource();
});
after(() => server?.destroy());

test(
  'SQLite → registry: everything copied and verified; a kiosk on the registry holds and identifies it; a re-run adds nothing',
  { skip },
  async () => {
    const first = await migrate(source, server.url);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.json.verified, true);
    assert.deepEqual(first.json.people, { source: PEOPLE, added: PEOPLE, existing: 0 });
    assert.deepEqual(first.json.faces, { source: PEOPLE * PER_PERSON, added: PEOPLE * PER_PERSON, existing: 0 });
    assert.deepEqual(first.json.checkins, { source: 7, added: 7, existing: 0 });
    assert.equal(first.json.notCopied.settings, 1);

    const again = await migrate(source, server.url);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual([again.json.people.added, again.json.faces.added, again.json.checkins.added], [0, 0, 0]);
    assert.deepEqual([again.json.faces.existing, again.json.checkins.existing], [PEOPLE * PER_PERSON, 7]);
    const rows = await sql<{ people: number; faces: number; checkins: number }>(
      'SELECT (SELECT count(*)::int FROM people) AS people, (SELECT count(*)::int FROM faces) AS faces, (SELECT count(*)::int FROM checkins) AS checkins',
    );
    assert.deepEqual(rows[0], { people: PEOPLE, faces: PEOPLE * PER_PERSON, checkins: 7 });

    // A kiosk with an empty cache pulls it all and finds the same people and embeddings as the source.
    const cache = Store.open(path.join(tempDir('facekit-migrate-kiosk-'), 'facekit.db'), { key: KEY });
    const replica = new Replica(cache, { url: server.url, key: KEY, kiosk: 'door' });
    const original = Store.open(source, { key: KEY });
    try {
      const pulled = await replica.pull();
      assert.deepEqual([pulled.people, pulled.faces, pulled.checkins], [PEOPLE, PEOPLE * PER_PERSON, 7]);
      assert.deepEqual(facesOf(cache), facesOf(original));
      const [hit] = cache.faceSearch.nearestPeople(MODEL, synthetic.face(5, 9), 1);
      assert.equal(hit?.name, 'Person 5');
      const thumbs = cache.listFaces('Person 1').map((f) => cache.faceThumbnail(f.id)?.length ?? 0);
      assert.deepEqual(
        thumbs.map((n) => n > 0),
        original.listFaces('Person 1').map((f) => (original.faceThumbnail(f.id)?.length ?? 0) > 0),
      );
      assert.equal(cache.listCheckins().length, 7);
    } finally {
      await replica.close();
      cache.close();
      original.close();
    }
  },
);

test('registry → a new SQLite store (encrypted, or --plain): same people, faces, embeddings and check-ins', { skip }, async () => {
  const target = path.join(dir, 'back.db');
  const back = await migrate(server.url, target);
  assert.equal(back.code, 0, back.stderr);
  assert.deepEqual([back.json.people.source, back.json.faces.source, back.json.checkins.source], [PEOPLE, PEOPLE * PER_PERSON, 7]);
  assert.equal(storeFileState(target), 'other', 'encrypted with FACEKIT_KEY');
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('.migrate-')),
    [],
    'no work file left',
  );
  const copy = Store.open(target, { key: KEY });
  const original = Store.open(source, { key: KEY });
  try {
    assert.deepEqual(
      copy.listPeople().map((p) => [p.name, p.faceCount]),
      original.listPeople().map((p) => [p.name, p.faceCount]),
    );
    assert.deepEqual(facesOf(copy), facesOf(original));
    const checkins = (s: Store): string[] => s.listCheckins().map((c) => `${c.at}|${c.personName}|${c.distance}|${c.source}`);
    assert.deepEqual(checkins(copy), checkins(original));
  } finally {
    copy.close();
    original.close();
  }

  const plain = path.join(dir, 'plain.db');
  const report = await copyRegistryToSqlite({ url: server.url, key: KEY, target: plain, targetKey: undefined });
  assert.equal(report.faces.added, PEOPLE * PER_PERSON);
  assert.equal(storeFileState(plain), 'plaintext');
});

test(
  'refusals leave both sides untouched: an existing target, a face the registry has as someone else, a wrong key (exit 3), no server',
  { skip },
  async () => {
    const counts = async (): Promise<unknown> =>
      (
        await sql(
          'SELECT (SELECT count(*)::int FROM people) AS p, (SELECT count(*)::int FROM faces) AS f, (SELECT count(*)::int FROM checkins) AS c',
        )
      )[0];
    const onServer = await counts();

    const existing = path.join(dir, 'existing.db');
    fs.copyFileSync(source, existing);
    const hash = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const before = hash(existing);
    await assert.rejects(copyRegistryToSqlite({ url: server.url, key: KEY, target: existing, targetKey: KEY }), (e: unknown) => {
      assert.ok(isFaceKitError(e, 'BAD_INPUT'));
      assert.match(e.message, /exists and is not empty/);
      return true;
    });
    assert.equal(hash(existing), before);

    // Another store where the photo of Person 0's first face shows someone else: the copy is refused whole.
    const other = path.join(dir, 'other.db');
    const original = Store.open(source, { key: KEY });
    const [face] = original.listFaces('Person 0');
    original.close();
    assert.ok(face?.photoSha256);
    const store = Store.open(other, { key: KEY });
    try {
      const photo = { sha256: face.photoSha256, path: '/x.jpg', width: 640, height: 480 };
      const box = { x: 1, y: 1, width: 50, height: 50 };
      const embedding = synthetic.face(99, 0);
      store.enrolFace(
        'New Person',
        photo,
        { faceIndex: face.faceIndex, box, score: 0.9, faceSize: 50, blur: 100, modelId: MODEL, embedding },
        {
          createIfMissing: true,
        },
      );
    } finally {
      store.close();
    }
    await assert.rejects(copySqliteToRegistry({ source: other, url: server.url, key: KEY }), (e: unknown) => isFaceKitError(e, 'CONFLICT'));
    await assert.rejects(copySqliteToRegistry({ source, url: server.url, key: 'not the registry key' }), (e: unknown) =>
      isFaceKitError(e, 'STORE_KEY'),
    );
    await assert.rejects(
      copySqliteToRegistry({ source, url: 'postgres://facekit@127.0.0.1:1/facekit', key: KEY, connectTimeoutMs: 1000 }),
      (e: unknown) => {
        assert.ok(isFaceKitError(e, 'DISCONNECTED'));
        assert.match(e.message, /registry server is unreachable \(postgres:\/\/facekit@127\.0\.0\.1:1\/facekit/);
        return true;
      },
    );
    assert.deepEqual(await counts(), onServer, 'nothing written to the registry');

    // The CLI's exit status for a wrong key; no target file appears.
    const wrongTarget = path.join(dir, 'wrong.db');
    const wrong = await migrate(server.url, wrongTarget, 'not the registry key');
    assert.equal(wrong.code, 3, wrong.stderr);
    assert.equal(wrong.json.error.code, 'STORE_KEY');
    assert.equal(fs.existsSync(wrongTarget), false);
  },
);

test(
  'a paged pull (3 rows a page) brings what one pull brings, people whose later enrolments gave them a newer seq included',
  { skip },
  async () => {
    // Enrolments through a kiosk give a person a newer seq than their earlier faces (and their check-ins).
    const writer = Store.open(path.join(tempDir('facekit-migrate-writer-'), 'facekit.db'), { key: KEY });
    const w = new Replica(writer, { url: server.url, key: KEY, kiosk: 'writer' });
    const photoOf = (n: number) => ({
      sha256: createHash('sha256').update(`late ${n}`).digest('hex'),
      path: `/late/${n}.jpg`,
      width: 640,
      height: 480,
    });
    const faceOf = (person: number, sample: number) => ({
      faceIndex: 0,
      box: { x: 1, y: 2, width: 90, height: 90 },
      score: 0.95,
      faceSize: 90,
      blur: 200,
      modelId: MODEL,
      embedding: synthetic.face(person, sample),
    });
    try {
      await w.enrol('Person 0', photoOf(0), faceOf(0, 20));
      await w.enrol('Late Person', photoOf(1), faceOf(50, 0));
      const late = writer.requirePerson('Late Person');
      w.checkIn({
        personId: late.id,
        personName: late.name,
        distance: 0.2,
        at: '2031-02-01T08:00:00.000Z',
        source: 'kiosk',
        cooldownSeconds: 300,
      });
      assert.equal((await w.flush()).sent, 1);
      await w.enrol('Late Person', photoOf(2), faceOf(50, 1));
    } finally {
      await w.close();
      writer.close();
    }

    const pullInto = async (pageSize: number) => {
      const store = Store.open(path.join(tempDir('facekit-migrate-paged-'), 'facekit.db'), { key: KEY });
      const replica = new Replica(store, { url: server.url, key: KEY, pullPageSize: pageSize });
      const report = await replica.pull();
      await replica.close();
      return { store, report };
    };
    const whole = await pullInto(1_000_000);
    const paged = await pullInto(3);
    try {
      assert.deepEqual(paged.report, whole.report);
      assert.deepEqual([whole.report.people, whole.report.faces, whole.report.checkins], [PEOPLE + 1, PEOPLE * PER_PERSON + 3, 8]);
      assert.deepEqual(facesOf(paged.store), facesOf(whole.store));
      assert.deepEqual(
        paged.store.listPeople().map((p) => [p.name, p.faceCount]),
        whole.store.listPeople().map((p) => [p.name, p.faceCount]),
      );
      assert.deepEqual(
        paged.store.listCheckins().map((c) => [c.at, c.personName, c.personId !== null]),
        whole.store.listCheckins().map((c) => [c.at, c.personName, c.personId !== null]),
      );
    } finally {
      whole.store.close();
      paged.store.close();
    }
  },
);
