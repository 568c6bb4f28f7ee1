// The app's side of a face-pipeline change, through the engine host: `people.list` counts each person's
// faces of an older pipeline and those that need re-enrolment, `faces.upgrade` re-embeds what it can from
// the photos with progress events, and identification finds the upgraded person again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { EngineHost } from '../../../host/engine-host.ts';
import type { EventMessage, FaceUpgradeResult, IdentifyResult, Person } from '../../../api/definition.ts';
import { descriptorModelId } from '../../../engine/faces/models.ts';
import { photo, tempDir } from '../../helpers/fixtures.ts';

let dir: string;
let host: EngineHost;
const events: EventMessage[] = [];
const image = (file: string) => ({ bytes: new Uint8Array(fs.readFileSync(file)), name: path.basename(file) });
const people = async () => Object.fromEntries(((await host.call('people.list', {})) as Person[]).map((p) => [p.name, p]));

before(async () => {
  dir = tempDir();
  process.env.FACEKIT_MODELS_DIR = path.join(dir, 'models'); // the workers inherit it: no VGG-19 here
  host = await EngineHost.start({ shell: 'browser', dbPath: path.join(dir, 'store.db'), dataDir: dir });
  host.onEvent((e) => events.push(e));
});
after(async () => {
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('people.list names faces of an older pipeline; faces.upgrade re-embeds those with a photo, the rest need re-enrolment', async () => {
  await host.call('enrol.photo', { name: 'Barack Obama', image: image(photo.obama) });
  await host.call('enrol.photo', { name: 'Joe Biden', image: image(photo.biden) });
  assert.deepEqual(
    Object.values(await people()).map((p) => [p.name, p.outdatedFaces, p.needReenrolment]),
    [
      ['Barack Obama', 0, 0],
      ['Joe Biden', 0, 0],
    ],
  );

  // What a FaceKit from before pipeline ids left behind: the bare descriptor hash as the id; Obama enrolled
  // with the CLI (a path to his photo), Biden from the app (only the upload's name; no photo kept).
  const copy = path.join(dir, 'obama.jpg');
  fs.copyFileSync(photo.obama, copy);
  const db = new Database(path.join(dir, 'store.db'));
  db.prepare('UPDATE faces SET model_id = ?').run(descriptorModelId());
  db.prepare("UPDATE photos SET path = ? WHERE path = 'obama.jpg'").run(copy);
  db.close();

  const before = await people();
  assert.deepEqual([before['Barack Obama']?.outdatedFaces, before['Barack Obama']?.needReenrolment], [1, 0]);
  assert.deepEqual([before['Joe Biden']?.outdatedFaces, before['Joe Biden']?.needReenrolment], [1, 1]);
  const unknown = (await host.call('recognize.identify', { image: image(photo.obama2) })) as IdentifyResult;
  assert.equal(unknown.faces[0]?.match, null, 'faces of another pipeline are never compared');

  events.length = 0;
  const result = (await host.call('faces.upgrade', {})) as FaceUpgradeResult;
  assert.equal(result.checked, 2);
  assert.equal(result.upgraded, 1);
  assert.deepEqual(
    result.needReenrolment.map((f) => [f.person, f.photoName]),
    [['Joe Biden', 'biden.jpg']],
  );
  assert.match(result.needReenrolment[0]?.message ?? '', /no photo on disk/);
  const progress = events.filter((e) => e.event === 'faces.upgrade.progress').map((e) => e.payload);
  assert.deepEqual(progress.at(-1), { done: 2, total: 2 });
  assert.ok(events.some((e) => e.event === 'data.changed'));

  const after = await people();
  assert.deepEqual([after['Barack Obama']?.outdatedFaces, after['Barack Obama']?.needReenrolment], [0, 0]);
  assert.deepEqual([after['Joe Biden']?.outdatedFaces, after['Joe Biden']?.needReenrolment], [1, 1]);
  const found = (await host.call('recognize.identify', { image: image(photo.obama2) })) as IdentifyResult;
  assert.equal(found.faces[0]?.match?.name, 'Barack Obama');
});
