// People management in registry mode (#13): rename, merge and remove go to the server first and reach
// every kiosk's cache by its pull; an enrolment cut off mid-transaction leaves nothing half-written. A
// real PostgreSQL started for this file (test/helpers/postgres.ts), real server stops and a real backend
// kill. Two data folders are two kiosks; synthetic faces go through the replica in-process (recognition
// is not the point here), one CLI call per command checks the routing and the output.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Store } from '../../../db/store.ts';
import { Replica } from '../../../db/sync/replica.ts';
import { FaceKitError, isFaceKitError } from '../../../api/errors.ts';
import { tempDir } from '../../helpers/fixtures.ts';
import { TestRegistry, syntheticEmbedding, syntheticFace, syntheticPhoto, SYNTHETIC_MODEL } from '../../helpers/registry.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../../helpers/postgres.ts';

const skip = postgresSkipReason();
const KEY = 'registry people test key';
const MODEL = SYNTHETIC_MODEL;
const kiosk1 = tempDir('facekit-people1-');
const kiosk2 = tempDir('facekit-people2-');
let server: TestPostgres;
const registry = new TestRegistry(KEY, () => server);

/** Both kiosks at once. */
const withKiosks = <T>(fn: (one: Replica, two: Replica) => Promise<T>): Promise<T> =>
  registry.withKiosk(kiosk1, (one) => registry.withKiosk(kiosk2, (two) => fn(one, two)));

async function enrol(replica: Replica, name: string, seed: number): Promise<void> {
  const outcome = await replica.enrol(name, syntheticPhoto(seed), syntheticFace(seed));
  assert.equal(outcome.status, 'added');
}

function checkIn(replica: Replica, name: string, at: string): void {
  const person = replica.store.requirePerson(name);
  replica.checkIn({ personId: person.id, personName: name, distance: 0.3, at, source: 'kiosk', cooldownSeconds: 0 });
}

/** What a cache must look like after any pull: no person without faces, every id map pointing at a row. */
function assertCacheConsistent(store: Store): void {
  for (const p of store.listPeople()) assert.ok(p.faceCount > 0, `${p.name} has no faces in the cache`);
  const faces = store.listFaces();
  const people = new Set(store.listPeople().map((p) => p.id));
  for (const f of faces) assert.ok(people.has(f.personId), `face ${f.id} without its person`);
}

async function serverFaces(name: string): Promise<number> {
  const rows = await registry.sql<{ n: number }>(
    'SELECT count(*)::int AS n FROM faces f JOIN people p ON p.id = f.person_id WHERE p.name = $1',
    [name],
  );
  return rows[0]?.n ?? 0;
}

before(async () => {
  if (!skip) server = await startPostgres();
});
after(async () => {
  server?.destroy();
});

test(
  'a rename on kiosk 1 reaches kiosk 2 by its pull; name conflicts and unknown names are refused as in SQLite mode',
  { skip },
  async () => {
    await withKiosks(async (one, two) => {
      await enrol(one, 'Ada Lovelace', 10);
      await enrol(one, 'Alan Turing', 11);
      await two.pull();
    });

    const renamed = await registry.cli(kiosk1, ['people', 'rename', 'Ada Lovelace', 'Ada King', '--json']);
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.equal(renamed.json.person.name, 'Ada King');
    assert.equal(renamed.json.person.faceCount, 1);

    await withKiosks(async (one, two) => {
      assert.equal((await two.pull()).people, 1);
      assert.equal(two.store.getPerson('Ada Lovelace'), undefined);
      assert.equal(two.store.getPerson('Ada King')?.faceCount, 1);
      const [hit] = two.store.faceSearch.nearestPeople(MODEL, syntheticEmbedding(10), 1);
      assert.equal(hit?.name, 'Ada King', 'identify answers with the new name');

      await assert.rejects(one.renamePerson('Ada King', 'alan turing'), (e: unknown) => isFaceKitError(e, 'CONFLICT'));
      await assert.rejects(one.renamePerson('Nobody', 'Somebody'), (e: unknown) => isFaceKitError(e, 'NOT_FOUND'));
      await assert.rejects(one.renamePerson('Ada King', '   '), (e: unknown) => isFaceKitError(e, 'BAD_INPUT'));
      // A change of case only is the same person, as in the SQLite store.
      assert.equal((await one.renamePerson('ada king', 'ADA KING')).name, 'ADA KING');
      await two.pull();
      assert.equal(two.store.getPerson('ada king')?.name, 'ADA KING');

      // A swap through a third name, pulled at once: each rename alone would clash in kiosk 2's cache.
      await one.renamePerson('ADA KING', 'Swap');
      await one.renamePerson('Alan Turing', 'ADA KING');
      await one.renamePerson('Swap', 'Alan Turing');
      await two.pull();
      assert.equal(two.store.faceSearch.nearestPeople(MODEL, syntheticEmbedding(10), 1)[0]?.name, 'Alan Turing');
      assert.equal(two.store.faceSearch.nearestPeople(MODEL, syntheticEmbedding(11), 1)[0]?.name, 'ADA KING');
    });
    const onServer = await registry.sql<{ name: string }>('SELECT name FROM people ORDER BY name');
    assert.deepEqual(
      onServer.map((r) => r.name),
      ['ADA KING', 'Alan Turing'],
    );
  },
);

test('a merge moves the faces on every kiosk; a check-in queued for the source before it lands on the survivor', { skip }, async () => {
  await withKiosks(async (one, two) => {
    await enrol(one, 'Grace Hopper', 20);
    await enrol(one, 'G. Hopper', 21);
    await two.pull();
    checkIn(two, 'G. Hopper', '2030-03-01T09:00:00.000Z'); // queued on kiosk 2, not yet sent
  });

  const merged = await registry.cli(kiosk1, ['people', 'merge', 'G. Hopper', 'Grace Hopper', '--json']);
  assert.equal(merged.code, 0, merged.stderr);
  assert.equal(merged.json.moved, 1);
  assert.equal(merged.json.person.faceCount, 2);
  assert.equal(await serverFaces('Grace Hopper'), 2);
  assert.deepEqual(await registry.sql("SELECT 1 FROM people WHERE name = 'G. Hopper'"), []);

  await withKiosks(async (one, two) => {
    const { flushed, pulled } = await two.sync();
    assert.equal(flushed.sent, 1, 'the queued check-in is sent and kept');
    assert.equal(pulled.purged.people, 0, 'a merge purges nothing');
    assert.equal(two.store.getPerson('G. Hopper'), undefined);
    const survivor = two.store.requirePerson('Grace Hopper');
    assert.equal(survivor.faceCount, 2, "the moved face is the survivor's on kiosk 2");
    const [hit] = two.store.faceSearch.nearestPeople(MODEL, syntheticEmbedding(21), 1);
    assert.equal(hit?.name, 'Grace Hopper');
    assert.equal(two.store.listCheckins({ personId: survivor.id }).length, 1, 'the local check-in follows the merge');
    assertCacheConsistent(two.store);

    await assert.rejects(one.mergePeople('Grace Hopper', 'grace hopper'), (e: unknown) => isFaceKitError(e, 'BAD_INPUT'));
    await assert.rejects(one.mergePeople('Nobody', 'Grace Hopper'), (e: unknown) => isFaceKitError(e, 'NOT_FOUND'));
  });
  const checkins = await registry.sql<{ name: string }>(
    "SELECT p.name FROM checkins c JOIN people p ON p.id = c.person_id WHERE c.at = '2030-03-01T09:00:00Z'",
  );
  assert.deepEqual(checkins, [{ name: 'Grace Hopper' }], "on the server the check-in is the survivor's");
});

test('a removal purges the server and every cache; queued check-ins of the removed person are dropped', { skip }, async () => {
  const NAME = 'Remove Me';
  await withKiosks(async (one, two) => {
    await enrol(one, NAME, 30);
    await enrol(one, NAME, 31);
    checkIn(one, NAME, '2030-04-01T09:00:00.000Z');
    await one.flush(); // on the server
    checkIn(one, NAME, '2030-04-01T10:00:00.000Z'); // queued on kiosk 1: dropped by its own removal
    await two.pull();
    assert.equal(two.store.requirePerson(NAME).faceCount, 2);
    assert.equal(two.store.listCheckins({ personId: two.store.requirePerson(NAME).id }).length, 1);
    checkIn(two, NAME, '2030-04-01T11:00:00.000Z'); // queued on kiosk 2: refused by the server at its flush
  });

  const removed = await registry.cli(kiosk1, ['people', 'remove', NAME, '--json']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual(
    { faces: removed.json.faces, photos: removed.json.photos, checkins: removed.json.checkins },
    { faces: 2, photos: 2, checkins: 1 },
  );
  assert.equal(await serverFaces(NAME), 0);
  assert.deepEqual(await registry.sql('SELECT id FROM people WHERE name = $1', [NAME]), []);
  assert.deepEqual(
    await registry.sql('SELECT id FROM checkins WHERE person_name = $1', [NAME]),
    [],
    'no visit of theirs left on the server',
  );
  assert.equal((await registry.sql("SELECT id FROM deletions WHERE kind = 'person' AND merged_into IS NULL")).length, 1);

  await withKiosks(async (one, two) => {
    assert.equal(one.status().queued, 0, 'kiosk 1 dropped its queued check-in');
    assert.equal(one.store.getPerson(NAME), undefined);

    const flushed = await two.flush(); // before kiosk 2 has pulled the removal
    assert.equal(flushed.removed, 1);
    assert.equal(flushed.sent, 0);
    const pulled = await two.pull();
    assert.equal(pulled.purged.people, 1);
    assert.equal(two.store.getPerson(NAME), undefined);
    assert.equal(two.store.listFaces().filter((f) => f.personName === NAME).length, 0, "the removed person's faces are gone from kiosk 2");
    assert.equal(two.store.listCheckins().filter((c) => c.personName === NAME).length, 0);
    for (const seed of [30, 31]) {
      const hits = two.store.faceSearch.nearestPeople(MODEL, syntheticEmbedding(seed), 5);
      assert.equal(hits.filter((h) => h.name === NAME).length, 0, 'identify no longer finds them');
    }
    assertCacheConsistent(two.store);
    assert.equal((await two.sync()).flushed.queued, 0);
  });
  assert.deepEqual(await registry.sql('SELECT id FROM checkins WHERE person_name = $1', [NAME]), [], 'no flush brought a visit back');
});

test("faces upgrade is refused in registry mode: it would re-embed this kiosk's copy only", { skip }, async () => {
  const facesBefore = await registry.sql('SELECT id, sealed, seq FROM faces ORDER BY id');
  const refused = await registry.cli(kiosk1, ['faces', 'upgrade']);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /faces upgrade is not available in registry mode/);
  assert.deepEqual(await registry.sql('SELECT id, sealed, seq FROM faces ORDER BY id'), facesBefore);
});

test('with the server stopped, rename, merge and remove fail clearly and change nothing', { skip }, async () => {
  await registry.withKiosk(kiosk2, async (two, store) => {
    await two.pull();
    const before = store.listPeople();
    server.stop();
    try {
      await assert.rejects(two.renamePerson('Alan Turing', 'A. M. Turing'), (e: unknown) => {
        assert.ok(e instanceof FaceKitError && e.code === 'DISCONNECTED');
        assert.match(e.message, /^renaming a person needs the registry server \(.*unreachable/);
        return true;
      });
      await assert.rejects(two.mergePeople('Alan Turing', 'Grace Hopper'), /merging people needs the registry server/);
      await assert.rejects(two.removePerson('Alan Turing'), /removing a person needs the registry server/);
      assert.deepEqual(store.listPeople(), before, 'nothing changed in the cache');
    } finally {
      server.start();
    }
  });
  assert.deepEqual(await registry.sql("SELECT name FROM people WHERE name = 'Alan Turing'"), [{ name: 'Alan Turing' }]);
});

test('the connection drops inside an enrolment: the person is either fully there or not at all', { skip }, async () => {
  const NAME = 'Half Written';
  // Another session holds SHARE on faces: the enrolment inserts its person, then waits at its face insert.
  const blocker = new pg.Client(server.url);
  blocker.on('error', () => undefined);
  await blocker.connect();
  try {
    await registry.withKiosk(kiosk2, async (two, store) => {
      await two.pull();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE faces IN SHARE MODE');
      const enrolment = two.enrol(NAME, syntheticPhoto(40), syntheticFace(40));
      enrolment.catch(() => undefined);
      const pid = await waitForBlockedInsert();
      await registry.sql('SELECT pg_terminate_backend($1)', [pid]);
      await assert.rejects(enrolment, (e: unknown) => isFaceKitError(e, 'DISCONNECTED'));
      await blocker.query('ROLLBACK');

      assert.deepEqual(await registry.sql('SELECT id FROM people WHERE name = $1', [NAME]), [], 'no person without faces on the server');
      assert.deepEqual(await registry.sql('SELECT id FROM people p WHERE NOT EXISTS (SELECT 1 FROM faces f WHERE f.person_id = p.id)'), []);
      await two.pull();
      assert.equal(store.getPerson(NAME), undefined);
      assertCacheConsistent(store);

      // The lock is free again: a retry enrols cleanly, on a fresh connection.
      await enrol(two, NAME, 40);
      assert.equal(store.requirePerson(NAME).faceCount, 1);
      assert.equal(await serverFaces(NAME), 1);
      assertCacheConsistent(store);
    });
  } finally {
    await blocker.end().catch(() => undefined);
  }
});

/** The pid of the replica's backend once it waits on a lock at its face insert, i.e. inside its transaction. */
async function waitForBlockedInsert(): Promise<number> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const rows = await registry.sql<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE application_name = 'facekit' AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO faces%'`,
    );
    if (rows[0]) return rows[0].pid;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the enrolment never reached its face insert');
}
