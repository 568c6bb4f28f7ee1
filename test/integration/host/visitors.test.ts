// Kiosk visitors through the engine host, with the real models on real photos (issue #12): a kiosk
// session that logs unknown faces, fed camera-sized frames of two people nobody enrolled, groups them
// into two visitors; naming one makes a person that identify then finds on another photo, merging adds
// a visitor's faces to a person, deleting purges them from the store file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { EngineHost } from '../../../host/engine-host.ts';
import type { EventMessage, Person, Visitor, VisitorEnrolled } from '../../../api/definition.ts';
import { Store } from '../../../db/store.ts';
import { photo, tempDir } from '../../helpers/fixtures.ts';

let dir: string;
let dbPath: string;
let host: EngineHost;
let sessionId: string;
const events: EventMessage[] = [];

/** A 640 × 480 camera frame showing the photo (letterboxed), as the Kiosk screen sends it. */
async function frame(file: string): Promise<{ bytes: Uint8Array; name: string }> {
  const jpeg = await sharp(file).resize(640, 480, { fit: 'contain', background: '#202020' }).jpeg({ quality: 85 }).toBuffer();
  return { bytes: new Uint8Array(jpeg), name: 'camera.jpg' };
}
const image = (file: string) => ({ bytes: new Uint8Array(fs.readFileSync(file)), name: path.basename(file) });

/** One appearance: the person in front of the kiosk for 3 frames (its requiredFrames), then nobody. */
async function appearance(file: string): Promise<number> {
  const shot = await frame(file);
  let checkins = 0;
  for (let i = 0; i < 3; i++) {
    const result = (await host.call('kiosk.frame', { sessionId, image: shot })) as { faces: unknown[]; checkins: unknown[] };
    assert.equal(result.faces.length, 1, `one face found in the frame of ${path.basename(file)}`);
    checkins += result.checkins.length;
  }
  const empty = (await host.call('kiosk.frame', { sessionId, image: await frame(photo.noFace) })) as { faces: unknown[] };
  assert.equal(empty.faces.length, 0);
  return checkins;
}

const visitors = async () => (await host.call('visitors.list', {})) as Visitor[];
const identifyNames = async (file: string) =>
  ((await host.call('recognize.identify', { image: image(file) })) as { faces: { match: { name: string } | null }[] }).faces
    .map((f) => f.match?.name ?? null)
    .sort();

before(async () => {
  dir = tempDir();
  dbPath = path.join(dir, 'store.db');
  process.env.FACEKIT_MODELS_DIR = path.join(dir, 'models');
  host = await EngineHost.start({ shell: 'browser', dbPath, dataDir: dir });
  host.onEvent((e) => events.push(e));
  const started = (await host.call('kiosk.start', { logUnknown: true, requiredFrames: 3, cooldownSeconds: 0 })) as { sessionId: string };
  sessionId = started.sessionId;
});
after(async () => {
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('two unknown people seen at the kiosk become two visitors, with their sightings counted', async () => {
  assert.equal(await appearance(photo.obama), 1, 'an unknown face is logged once per appearance');
  assert.equal(await appearance(photo.biden), 1);
  assert.equal(await appearance(photo.obama3), 1);
  const list = await visitors();
  assert.deepEqual(
    list.map((v) => [v.label, v.seen, v.faceIds.length]),
    [
      ['Visitor 1', 2, 2], // Obama, first seen first, seen last
      ['Visitor 2', 1, 1],
    ],
  );
  const [obama] = list;
  assert.ok(obama && obama.first < obama.last);
  assert.ok(events.some((e) => e.event === 'data.changed' && (e.payload as { what: string }).what === 'visitors'));
  const thumbnail = (await host.call('visitors.thumbnail', { faceId: obama.faceIds[0] ?? 0 })) as Uint8Array;
  assert.deepEqual([...thumbnail.subarray(0, 2)], [0xff, 0xd8], 'a JPEG');
  const unknown = (await host.call('checkins.list', {})) as { personId: number | null }[];
  assert.equal(unknown.filter((c) => c.personId === null).length, 3);
});

test('naming a visitor makes a person with its faces, whom identify finds on another photo', async () => {
  const [obama] = (await visitors()).filter((v) => v.seen === 2);
  assert.ok(obama);
  assert.deepEqual(await identifyNames(photo.obama2), [null], 'nobody enrolled yet');
  const named = (await host.call('visitors.name', { id: obama.id, name: 'Barack Obama' })) as VisitorEnrolled;
  assert.deepEqual([named.person.name, named.person.faceCount, named.enrolled, named.checkins], ['Barack Obama', 2, 2, 2]);
  assert.deepEqual(await identifyNames(photo.obama2), ['Barack Obama']);
  const detail = (await host.call('people.get', { name: 'Barack Obama' })) as { faces: unknown[]; checkins: { personName: string }[] };
  assert.equal(detail.faces.length, 2);
  assert.deepEqual(
    detail.checkins.map((c) => c.personName),
    ['Barack Obama', 'Barack Obama'],
  );
  assert.deepEqual(
    (await visitors()).map((v) => v.label),
    ['Visitor 2'],
  );
});

test('a visitor added to an existing person: their faces join the person', async () => {
  await host.call('enrol.photo', { name: 'Joe Biden', image: image(photo.biden2) });
  const [biden] = await visitors();
  assert.ok(biden);
  const merged = (await host.call('visitors.merge', { id: biden.id, into: 'Joe Biden' })) as VisitorEnrolled;
  assert.deepEqual([merged.person.faceCount, merged.enrolled], [2, 1]);
  assert.deepEqual(await visitors(), []);
  // The photo holds more faces than theirs (engine-host.test.ts): the named ones are what counts.
  assert.deepEqual((await identifyNames(photo.obamaAndBiden)).filter(Boolean), ['Barack Obama', 'Joe Biden']);
  const people = (await host.call('people.list', {})) as Person[];
  assert.deepEqual(
    people.map((p) => p.name),
    ['Barack Obama', 'Joe Biden'],
  );
});

test('deleting a visitor purges its embeddings, thumbnails and check-ins from the store', async () => {
  assert.equal(await appearance(photo.kit), 1);
  const [kit] = await visitors();
  assert.equal(kit?.label, 'Visitor 3', 'numbers are not reused');
  const removed = (await host.call('visitors.delete', { id: kit.id })) as { faces: number; checkins: number };
  assert.deepEqual(removed, { faces: 1, checkins: 1 });
  assert.deepEqual(await visitors(), []);
  const checkins = (await host.call('checkins.list', {})) as { personId: number | null }[];
  assert.equal(checkins.filter((c) => c.personId === null).length, 0);
  const store = Store.open(dbPath);
  try {
    assert.equal(store.visitors.faceCount(), 0);
  } finally {
    store.close();
  }
});
