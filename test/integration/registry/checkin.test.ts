// Issue #13's "Done when", through the CLI, against a real PostgreSQL started for this file and real server
// stops: two data folders are two kiosks; `facekit checkin` on kiosk 2 recognises a person enrolled on
// kiosk 1, queues while the server is down, and `facekit sync` brings every check-in to kiosk 1 exactly once.
// The fault "server stopped mid-stream" drives two Store/Replica pairs in-process and counts server rows.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Replica } from '../../../db/sync/replica.ts';
import { isFaceKitError } from '../../../api/errors.ts';
import { photo, tempDir } from '../../helpers/fixtures.ts';
import { TestRegistry, syntheticFace, syntheticPhoto } from '../../helpers/registry.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../../helpers/postgres.ts';

const skip = postgresSkipReason();
const KEY = 'registry checkin test key: correct horse battery staple';
const NAME = 'Barack Obama';
const FRAMES = [photo.obama, photo.obama2, photo.obama3];
const kiosk1 = tempDir('facekit-checkin-kiosk1-');
const kiosk2 = tempDir('facekit-checkin-kiosk2-');
let server: TestPostgres;
const registry = new TestRegistry(KEY, () => server);

before(async () => {
  if (!skip) server = await startPostgres();
});
after(() => server?.destroy());

test('checkin on kiosk 2 of a person enrolled on kiosk 1; queued while the server is down; synced once to kiosk 1', { skip }, async () => {
  const enrolled = await registry.cli(kiosk1, ['enroll', NAME, photo.obama]);
  assert.equal(enrolled.code, 0, enrolled.stderr);

  // Kiosk 2 pulls the person first (every command does), recognises them, and the server has the check-in.
  const live = await registry.cli(kiosk2, ['checkin', ...FRAMES, '--kiosk', 'door-2', '--json']);
  assert.equal(live.code, 0, live.stderr);
  assert.equal(live.json.mode, 'registry');
  assert.equal(live.json.kiosk, 'door-2');
  assert.deepEqual(
    live.json.checkins.map((c: { personName: string; status: string }) => [c.personName, c.status]),
    [[NAME, 'checked-in']],
  );
  assert.deepEqual(await registry.sql('SELECT person_name, kiosk FROM checkins'), [{ person_name: NAME, kiosk: 'door-2' }]);

  // The server stops; a kiosk started now works from its cache, says so, and queues the check-in.
  server.stop();
  const offline = await registry.cli(kiosk2, ['checkin', ...FRAMES, '--cooldown', '0']);
  server.start();
  assert.equal(offline.code, 0, offline.stderr);
  assert.match(offline.stderr, /unreachable.*working from the local cache/);
  assert.match(offline.stdout, new RegExp(`queued \\(server unreachable; \`facekit sync\` sends it\\): ${NAME}`));
  assert.equal((await registry.sql<{ n: number }>('SELECT count(*)::int AS n FROM checkins'))[0]?.n, 1, 'not on the server yet');

  const sent = await registry.cli(kiosk2, ['sync', '--json']);
  assert.equal(sent.code, 0, sent.stderr);
  assert.deepEqual([sent.json.flushed.sent, sent.json.flushed.already, sent.json.flushed.queued], [1, 0, 0]);
  const pulled = await registry.cli(kiosk1, ['sync', '--json']);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.equal(pulled.json.pulled.checkins, 2);

  const listed = await registry.cli(kiosk1, ['checkins', 'list', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  const server2 = await registry.sql<{ at: Date }>('SELECT at FROM checkins ORDER BY at DESC');
  assert.deepEqual(
    listed.json.checkins.map((c: { personName: string; at: string }) => [c.personName, c.at]),
    server2.map((r) => [NAME, r.at.toISOString()]),
    "kiosk 1 lists kiosk 2's two check-ins, each once",
  );

  // Syncing again, on either kiosk, changes nothing.
  for (const dataDir of [kiosk2, kiosk1]) {
    await registry.withKiosk(dataDir, async (replica, store) => {
      const again = await replica.sync();
      assert.deepEqual([again.flushed.sent, again.flushed.already, again.flushed.queued], [0, 0, 0]);
      assert.equal(again.pulled.checkins, 0);
      assert.equal(store.listCheckins().length, 2);
    });
  }
  assert.equal((await registry.sql<{ n: number }>('SELECT count(*)::int AS n FROM checkins'))[0]?.n, 2);
});

/** Flushes, counting what the server took; the server being away is expected mid-stream (rows stay queued). */
async function flushCounting(replica: Replica, counts: { delivered: number; failures: number }): Promise<void> {
  try {
    const r = await replica.flush();
    counts.delivered += r.sent + r.already;
  } catch (error) {
    if (!isFaceKitError(error, 'DISCONNECTED')) throw error;
    counts.failures++;
  }
}

test('the server stopped in the middle of a stream of check-ins from two kiosks: nothing lost, nothing doubled', { skip }, async () => {
  const kioskA = tempDir('facekit-stream-a-');
  const kioskB = tempDir('facekit-stream-b-');
  const people = ['Stream Person A', 'Stream Person B'] as const;
  const base = Date.parse('2031-03-01T08:00:00.000Z');
  const total = 12;
  const counts = { delivered: 0, failures: 0 };
  await registry.withKiosk(kioskA, (a, storeA) =>
    registry.withKiosk(kioskB, async (b, storeB) => {
      await a.enrol(people[0], syntheticPhoto(9001), syntheticFace(9001));
      await b.enrol(people[1], syntheticPhoto(9002), syntheticFace(9002));
      await Promise.all([a.pull(), b.pull()]);
      const pairs = [
        { replica: a, store: storeA, name: people[0] },
        { replica: b, store: storeB, name: people[1] },
      ];
      for (let i = 0; i < total; i++) {
        const at = new Date(base + i * 10 * 60_000).toISOString();
        for (const { replica, store, name } of pairs) {
          replica.checkIn({
            personId: store.requirePerson(name).id,
            personName: name,
            distance: 0.3,
            at,
            source: 'kiosk',
            cooldownSeconds: 300,
          });
        }
        if (i === 4) {
          // Mid-stream, with both kiosks' flushes in flight: the server goes down under them.
          const inFlight = pairs.map((p) => flushCounting(p.replica, counts));
          server.stop();
          await Promise.all(inFlight);
        } else if (i === 8) {
          server.start();
        } else {
          await Promise.all(pairs.map((p) => flushCounting(p.replica, counts)));
        }
      }
      await Promise.all(pairs.map((p) => flushCounting(p.replica, counts)));
      assert.ok(counts.failures >= 2, `the stop was felt (${counts.failures} failed flushes)`);
      for (const { replica, store } of pairs) {
        assert.equal(replica.status().queued, 0, `${replica.kiosk}'s outbox is empty`);
        assert.equal(store.listCheckins({ since: '2031-03-01T00:00:00.000Z', until: '2031-03-02T00:00:00.000Z' }).length, total);
      }
      const rows = await registry.sql<{ kiosk: string; n: number; keys: number }>(
        "SELECT kiosk, count(*)::int AS n, count(DISTINCT key)::int AS keys FROM checkins WHERE at >= '2031-03-01' AND at < '2031-03-02' GROUP BY kiosk ORDER BY kiosk",
      );
      assert.deepEqual(rows, [
        { kiosk: path.basename(kioskA), n: total, keys: total },
        { kiosk: path.basename(kioskB), n: total, keys: total },
      ]);
      assert.ok(counts.delivered >= 2 * total, 'every check-in was acknowledged (some perhaps twice, as "already")');
      // Each kiosk sees the other's stream once.
      await Promise.all([a.pull(), b.pull()]);
      for (const { store } of pairs) {
        assert.equal(store.listCheckins({ since: '2031-03-01T00:00:00.000Z', until: '2031-03-02T00:00:00.000Z' }).length, 2 * total);
      }
    }),
  );
});
