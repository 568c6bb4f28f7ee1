// The app in registry mode (#13): an engine host whose faces worker follows a real PostgreSQL registry
// (test/helpers/postgres.ts), with the real models and real photos. Enrolment goes to the server first; the
// kiosk's check-ins reach it; with the server stopped the kiosk keeps checking in (queued, store.status says
// offline); started again, the queue is flushed within the retry interval (FACEKIT_REGISTRY_RETRY_MS, short here).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { EngineHost } from '../../../host/engine-host.ts';
import { FaceKitError } from '../../../api/errors.ts';
import type { Checkin, EventMessage, KioskFrameResult, KioskSession, StoreStatus } from '../../../api/definition.ts';
import { photo, tempDir } from '../../helpers/fixtures.ts';
import { TestRegistry } from '../../helpers/registry.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../../helpers/postgres.ts';

const skip = postgresSkipReason();
const KEY = 'registry host test key: correct horse battery staple';
const KIOSK = 'front-door';
const NAME = 'Barack Obama';
let server: TestPostgres;
const registry = new TestRegistry(KEY, () => server);
let dir: string;
let host: EngineHost;
const events: EventMessage[] = [];

const status = async () => (await host.call('store.status', {})) as StoreStatus;

/** Polls store.status until `ok` holds (or fails after `ms`, showing the last status). */
async function statusUntil(ok: (s: StoreStatus) => boolean, ms: number): Promise<StoreStatus> {
  const began = Date.now();
  let last = await status();
  while (!ok(last)) {
    if (Date.now() - began > ms) assert.fail(`store.status did not get there in ${ms} ms: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await status();
  }
  return last;
}

/** A 640 × 480 camera frame showing the photo, as the Kiosk screen sends it. */
async function frame(file: string): Promise<{ bytes: Uint8Array; name: string }> {
  const jpeg = await sharp(file).resize(640, 480, { fit: 'contain', background: '#202020' }).jpeg({ quality: 85 }).toBuffer();
  return { bytes: new Uint8Array(jpeg), name: 'camera.jpg' };
}

/** Shows the photo to a new kiosk session until it checks someone in; returns the check-ins. */
async function checkInAtKiosk(file: string, cooldownSeconds: number): Promise<Checkin[]> {
  const session = (await host.call('kiosk.start', { cooldownSeconds, requiredFrames: 2 })) as KioskSession;
  const image = await frame(file);
  try {
    for (let i = 0; i < 8; i++) {
      const result = (await host.call('kiosk.frame', { sessionId: session.sessionId, image })) as KioskFrameResult;
      if (result.checkins.length) return result.checkins;
    }
    return assert.fail('the kiosk checked no one in');
  } finally {
    await host.call('kiosk.stop', { sessionId: session.sessionId });
  }
}

const serverCheckins = () =>
  registry.sql<{ person_name: string; kiosk: string }>('SELECT person_name, kiosk FROM checkins WHERE kiosk = $1 ORDER BY id', [KIOSK]);

before(async () => {
  if (skip) return;
  server = await startPostgres();
  dir = tempDir('facekit-registry-host-');
  // The workers copy the environment when they start.
  process.env.FACEKIT_REGISTRY_RETRY_MS = '300';
  process.env.FACEKIT_KIOSK = KIOSK;
  host = await EngineHost.start({
    shell: 'browser',
    dbPath: path.join(dir, 'facekit.db'),
    dataDir: dir,
    storeKey: KEY,
    registryUrl: server.url,
  });
  host.onEvent((e) => events.push(e));
  // Still photos at the kiosk: the liveness checks (tested in kiosk-liveness.test.ts) would refuse them.
  await host.call('settings.set', { kioskLivenessPassive: false, kioskLivenessChallenge: false });
});
after(async () => {
  await host?.close();
  delete process.env.FACEKIT_REGISTRY_RETRY_MS;
  delete process.env.FACEKIT_KIOSK;
  server?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('registry mode needs FACEKIT_KEY: the host refuses to start without a key', { skip }, async () => {
  await assert.rejects(
    EngineHost.start({ shell: 'browser', dbPath: path.join(dir, 'other.db'), dataDir: dir, registryUrl: server.url }),
    (e: unknown) => e instanceof FaceKitError && e.code === 'STORE_KEY' && /FACEKIT_KEY/.test(e.message),
  );
});

test('store.status: registry, the server without its password, this kiosk, online once the first sync ran', { skip }, async () => {
  const s = await statusUntil((x) => x.online === true, 10_000);
  assert.deepEqual([s.kind, s.location, s.kiosk, s.queued, s.lastError], ['registry', server.url, KIOSK, 0, null]);
  assert.ok(s.lastSyncAt, 'synced');
});

test('an enrolment from the app reaches the server first (the face sealed), then the cache', { skip }, async () => {
  const added = (await host.call('enrol.photo', {
    name: NAME,
    image: { bytes: new Uint8Array(fs.readFileSync(photo.obama)), name: 'obama.jpg' },
  })) as {
    status: string;
  };
  assert.equal(added.status, 'added');
  const people = await registry.sql<{ name: string }>('SELECT name FROM people');
  assert.deepEqual(
    people.map((p) => p.name),
    [NAME],
  );
  const faces = await registry.sql<{ sealed: Buffer }>('SELECT sealed FROM faces');
  assert.equal(faces.length, 1);
  assert.equal(faces[0]?.sealed.indexOf(Buffer.from('obama.jpg')), -1, 'the photo name is sealed');
  assert.deepEqual(
    ((await host.call('people.list', {})) as { name: string }[]).map((p) => p.name),
    [NAME],
  );
  assert.ok(events.some((e) => e.event === 'data.changed'));
});

test("the kiosk's check-in reaches the server, named and from this kiosk", { skip }, async () => {
  const [checkin] = await checkInAtKiosk(photo.obama2, 300);
  assert.equal(checkin?.personName, NAME);
  const began = Date.now();
  while ((await serverCheckins()).length === 0) {
    assert.ok(Date.now() - began < 5000, 'the check-in did not reach the server in 5 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(await serverCheckins(), [{ person_name: NAME, kiosk: KIOSK }]);
  assert.equal((await statusUntil((s) => s.queued === 0, 5000)).online, true);
});

test(
  'a rename goes to the server first; visitor changes and face upgrades, which would stay on this kiosk, are refused',
  { skip },
  async () => {
    const renamed = (await host.call('people.rename', { name: NAME, newName: 'Barack H. Obama' })) as { name: string };
    assert.equal(renamed.name, 'Barack H. Obama');
    assert.deepEqual(await registry.sql('SELECT name FROM people'), [{ name: 'Barack H. Obama' }]);
    await host.call('people.rename', { name: 'Barack H. Obama', newName: NAME });
    assert.deepEqual(await registry.sql('SELECT name FROM people'), [{ name: NAME }]);
    for (const refused of [host.call('visitors.delete', { id: 1 }), host.call('faces.upgrade', undefined)])
      await assert.rejects(refused, (e: unknown) => {
        return e instanceof FaceKitError && e.code === 'CONFLICT' && /not available in registry mode/.test(e.message);
      });
  },
);

test(
  'server down: offline in store.status, enrolment refused, the kiosk still checks in (queued); back up: flushed',
  { skip },
  async () => {
    server.stop();
    const offline = await statusUntil((s) => s.online === false, 10_000);
    assert.match(offline.lastError ?? '', /unreachable/);
    assert.ok(
      events.some((e) => e.event === 'store.status' && (e.payload as StoreStatus).online === false),
      'pushed as an event',
    );

    const refused = await host
      .call('enrol.photo', { name: 'Joe Biden', image: { bytes: new Uint8Array(fs.readFileSync(photo.biden)), name: 'biden.jpg' } })
      .then(
        () => assert.fail('enrolled with the server down'),
        (e: unknown) => e as FaceKitError,
      );
    assert.equal(refused.code, 'DISCONNECTED');
    assert.match(refused.message, /enrolment needs the registry server/);
    await assert.rejects(
      host.call('people.remove', { name: NAME }),
      (e: unknown) =>
        e instanceof FaceKitError && e.code === 'DISCONNECTED' && /removing a person needs the registry server/.test(e.message),
    );

    // Cool-down 0: the person just checked in is checked in again, here and now, from the cache.
    const before = ((await host.call('checkins.list', {})) as Checkin[]).length;
    const [checkin] = await checkInAtKiosk(photo.obama2, 0);
    assert.equal(checkin?.personName, NAME);
    assert.equal(((await host.call('checkins.list', {})) as Checkin[]).length, before + 1);
    const queued = await status();
    assert.deepEqual([queued.online, queued.queued], [false, 1]);
    assert.ok(
      events.some((e) => e.event === 'store.status' && (e.payload as StoreStatus).queued === 1),
      'the queue length is pushed',
    );

    server.start();
    const back = await statusUntil((s) => s.online === true && s.queued === 0, 5000);
    assert.equal(back.lastError, null);
    assert.deepEqual(await serverCheckins(), [
      { person_name: NAME, kiosk: KIOSK },
      { person_name: NAME, kiosk: KIOSK },
    ]);
    const last = events.filter((e) => e.event === 'store.status').at(-1)?.payload as StoreStatus;
    assert.deepEqual([last.online, last.queued], [true, 0]);
  },
);
