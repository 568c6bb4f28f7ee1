// Several kiosks, one registry (#13), against a real PostgreSQL started for this file (test/helpers/postgres.ts)
// and real server stops. Two data folders are two kiosks. Real faces go through the CLI where the test is
// about recognition (enrol on one kiosk, identify on the other); the replication tests drive the replica
// (db/sync/replica.ts) in-process and check what landed on the server with plain SQL.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Store } from '../../../db/store.ts';
import { Replica, type SyncReport } from '../../../db/sync/replica.ts';
import { FaceKitError, isFaceKitError } from '../../../api/errors.ts';
import { photo, tempDir } from '../../helpers/fixtures.ts';
import { TestRegistry, syntheticFace, syntheticPhoto } from '../../helpers/registry.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../../helpers/postgres.ts';

const skip = postgresSkipReason();
const KEY = 'registry test key: correct horse battery staple';
const NAME = 'Barack Obama';
const kiosk1 = tempDir('facekit-kiosk1-');
const kiosk2 = tempDir('facekit-kiosk2-');
let server: TestPostgres;
const registry = new TestRegistry(KEY, () => server);

before(async () => {
  if (!skip) server = await startPostgres();
});
after(async () => {
  server?.destroy();
});

test('a person enrolled on kiosk 1 is identified on kiosk 2; the server holds no plaintext embedding', { skip }, async () => {
  const enrolled = await registry.cli(kiosk1, ['enroll', NAME, photo.obama, '--json']);
  assert.equal(enrolled.code, 0, enrolled.stderr);
  assert.equal(enrolled.json.results[0].status, 'added');

  const identified = await registry.cli(kiosk2, ['identify', photo.obama2, '--json']);
  assert.equal(identified.code, 0, identified.stderr);
  assert.equal(identified.json.results[0].faces[0].match.name, NAME);

  // What the server has: the name in clear, the face as ciphertext only.
  const faces = await registry.sql<{ sealed: Buffer; photo_tag: Buffer }>('SELECT sealed, photo_tag FROM faces');
  assert.equal(faces.length, 1);
  const sealed = faces[0]?.sealed ?? Buffer.alloc(0);
  const store = Store.open(registry.cacheOf(kiosk1), { key: KEY });
  try {
    const [face] = store.listFaces(NAME);
    assert.ok(face);
    const embedding = Buffer.from(store.faceEmbedding(face.id).buffer);
    for (let offset = 0; offset + 16 <= embedding.length; offset += 16) {
      assert.equal(sealed.indexOf(embedding.subarray(offset, offset + 16)), -1, `plaintext embedding bytes at ${offset}`);
    }
    assert.equal(sealed.indexOf(Buffer.from(path.basename(photo.obama))), -1, 'the photo path is sealed too');
    assert.equal(faces[0]?.photo_tag.toString('hex').includes(face.photoSha256 ?? '-'), false, 'the photo hash is not on the server');
  } finally {
    store.close();
  }
});

test('check-ins made on kiosk 2 while the server is stopped are queued, then synced exactly once', { skip }, async () => {
  const base = Date.parse('2030-01-01T09:00:00.000Z');
  await registry.withKiosk(kiosk2, async (replica, store) => {
    await replica.pull();
    const person = store.requirePerson(NAME);
    server.stop();
    const times = [base, base + 10 * 60_000, base + 20 * 60_000].map((t) => new Date(t).toISOString());
    for (const at of times)
      replica.checkIn({ personId: person.id, personName: NAME, distance: 0.3, at, source: 'kiosk', cooldownSeconds: 300 });
    replica.checkIn({ personId: null, personName: '', distance: null, at: times[0], source: 'kiosk', cooldownSeconds: 300 });
    await assert.rejects(replica.flush(), (e: unknown) => isFaceKitError(e, 'DISCONNECTED'));
    assert.equal(replica.status().queued, 4);
    assert.equal(store.listCheckins().length, 4, 'the kiosk keeps working from its cache: the check-ins count locally at once');
  });

  server.start();
  const first = await registry.cli(kiosk2, ['sync', '--json']);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(first.json.flushed, { sent: 4, already: 0, cooldown: 0, removed: 0, queued: 0 });
  const second = await registry.cli(kiosk2, ['sync', '--json']);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(second.json.flushed, { sent: 0, already: 0, cooldown: 0, removed: 0, queued: 0 });
  assert.deepEqual([second.json.pulled.people, second.json.pulled.faces, second.json.pulled.checkins], [0, 0, 0]);

  const rows = await registry.sql<{ n: number; keys: number }>(
    "SELECT count(*)::int AS n, count(DISTINCT key)::int AS keys FROM checkins WHERE at >= '2030-01-01' AND at < '2030-01-02'",
  );
  assert.deepEqual(rows[0], { n: 4, keys: 4 });

  // Kiosk 1 sees them after its own sync, once each, even synced twice.
  const onOne = await registry.cli(kiosk1, ['sync', '--json']);
  assert.equal(onOne.code, 0, onOne.stderr);
  assert.equal(onOne.json.pulled.checkins, 4);
  await registry.withKiosk(kiosk1, async (replica, store) => {
    assert.equal((await replica.sync()).pulled.checkins, 0, 'a second sync moves nothing');
    const seen = store.listCheckins({ since: '2030-01-01T00:00:00.000Z', until: '2030-01-02T00:00:00.000Z' });
    assert.equal(seen.length, 4);
    assert.equal(seen.filter((c) => c.personName === NAME && c.personId === store.requirePerson(NAME).id).length, 3);
  });
  // Kiosk 2's own check-ins came back from the server without doubling.
  await registry.withKiosk(kiosk2, async (_replica, store2) => {
    assert.equal(store2.listCheckins({ since: '2030-01-01T00:00:00.000Z', until: '2030-01-02T00:00:00.000Z' }).length, 4);
  });
});

test('two kiosks check the same person in within the same second: one check-in on the server', { skip }, async () => {
  const at = '2030-02-01T08:00:00.000Z';
  const at2 = '2030-02-01T08:00:00.400Z';
  await registry.withKiosk(kiosk1, (one, store1) =>
    registry.withKiosk(kiosk2, async (two, store2) => {
      await Promise.all([one.pull(), two.pull()]);
      one.checkIn({ personId: store1.requirePerson(NAME).id, personName: NAME, distance: 0.3, at, source: 'kiosk', cooldownSeconds: 300 });
      two.checkIn({
        personId: store2.requirePerson(NAME).id,
        personName: NAME,
        distance: 0.3,
        at: at2,
        source: 'kiosk',
        cooldownSeconds: 300,
      });
      const [a, b] = await Promise.all([one.flush(), two.flush()]);
      assert.equal(a.sent + b.sent, 1);
      assert.equal(a.cooldown + b.cooldown, 1);
      await Promise.all([one.pull(), two.pull()]);
      for (const store of [store1, store2]) {
        assert.equal(store.listCheckins({ since: '2030-02-01T00:00:00.000Z', until: '2030-02-02T00:00:00.000Z' }).length, 1);
      }
    }),
  );
  const rows = await registry.sql<{ n: number }>("SELECT count(*)::int AS n FROM checkins WHERE at >= '2030-02-01' AND at < '2030-02-02'");
  assert.equal(rows[0]?.n, 1);
});

test('a kiosk with the wrong key gets STORE_KEY (exit 3) and decrypts nothing; no key is refused', { skip }, async () => {
  const kiosk3 = tempDir('facekit-kiosk3-');
  const wrong = await registry.cli(kiosk3, ['sync', '--json'], 'not the registry key');
  assert.equal(wrong.code, 3, wrong.stderr);
  assert.equal(wrong.json.error.code, 'STORE_KEY');
  assert.match(wrong.stderr, /wrong key/);
  const store = Store.open(registry.cacheOf(kiosk3), { key: 'not the registry key' });
  try {
    assert.equal(store.listPeople().length, 0);
    assert.equal(store.embeddingModels().length, 0);
  } finally {
    store.close();
  }

  // Registry mode without a key: refused before anything reaches the server (the CLI checks first, same code).
  const plain = Store.open(':memory:');
  try {
    assert.throws(
      () => new Replica(plain, { url: server.url, key: KEY }),
      (e: unknown) => isFaceKitError(e, 'STORE_KEY'),
    );
  } finally {
    plain.close();
  }
});

test('enrolment needs the server; other kiosks following the registry (LISTEN) get new faces at once', { skip }, async () => {
  await registry.withKiosk(kiosk1, async (one) => {
    const reports: SyncReport[] = [];
    const stop = one.follow((r) => {
      if (!('error' in r)) reports.push(r);
    }, 60_000);
    try {
      await registry.withKiosk(kiosk2, async (two) => {
        // Two enrolments back to back: the second notification tends to arrive while kiosk 1 is still pulling
        // the first, and must not be lost (the retry timer is a minute away).
        const added = await two.enrol('Ada Lovelace', syntheticPhoto(1), syntheticFace(1));
        assert.equal(added.status, 'added');
        assert.equal((await two.enrol('Alan Turing', syntheticPhoto(3), syntheticFace(3))).status, 'added');
        const pulled = (): number => reports.reduce((sum, r) => sum + r.pulled.faces, 0);
        const deadline = Date.now() + 5000;
        while (pulled() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        assert.equal(pulled(), 2, 'kiosk 1 pulled both faces on the notifications');
        assert.equal(one.store.getPerson('Ada Lovelace')?.faceCount, 1);
        assert.equal(one.store.getPerson('Alan Turing')?.faceCount, 1);

        server.stop();
        try {
          await assert.rejects(two.enrol('Grace Hopper', syntheticPhoto(2), syntheticFace(2)), (e: unknown) => {
            assert.ok(e instanceof FaceKitError && e.code === 'DISCONNECTED');
            assert.match(e.message, /^enrolment needs the registry server \(.*unreachable/);
            return true;
          });
          assert.equal(two.store.getPerson('Grace Hopper'), undefined, 'nothing written locally');
        } finally {
          server.start();
        }
      });
    } finally {
      await stop();
    }
  });
});
