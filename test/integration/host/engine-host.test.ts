// The engine host as the app uses it: calls checked against the api definition, run in worker threads
// over a real store file, results and events back. Models load once for the file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EngineHost } from '../../../host/engine-host.ts';
import { FaceKitError } from '../../../api/errors.ts';
import type { EventMessage } from '../../../api/definition.ts';
import { bidenWithObamaBehind, obamaWithBidenBehind, photo, tempDir } from '../../helpers/fixtures.ts';
import { DEFAULT_THRESHOLD } from '../../../engine/recognition/thresholds.ts';
import { LIVENESS_DEFAULT_THRESHOLD } from '../../../engine/faces/liveness.ts';

let dir: string;
let host: EngineHost;
const events: EventMessage[] = [];
const image = (file: string) => ({ bytes: new Uint8Array(fs.readFileSync(file)), name: path.basename(file) });

async function failure(promise: Promise<unknown>): Promise<FaceKitError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FaceKitError, `expected a FaceKitError, got ${String(error)}`);
    return error;
  }
  assert.fail('the call succeeded');
}

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

test('unknown calls and bad arguments are refused before reaching the engine', async () => {
  assert.equal((await failure(host.call('people.drop', {}))).code, 'BAD_INPUT');
  assert.equal((await failure(host.call('constructor', {}))).code, 'BAD_INPUT');
  const bad = await failure(host.call('enrol.photo', { name: 'Ann', image: { bytes: 'not bytes', name: 'a.jpg' } }));
  assert.equal(bad.code, 'BAD_INPUT');
  assert.match(bad.message, /enrol\.photo: image\.bytes: expected image bytes/);
  assert.deepEqual(bad.details, { method: 'enrol.photo', issues: [{ path: 'image.bytes', message: 'expected image bytes' }] });
});

test('identify before anyone is enrolled: every face is unknown, not an error', async () => {
  const result = (await host.call('recognize.identify', { image: image(photo.obamaAndBiden) })) as {
    faces: { match: unknown; candidates: unknown[] }[];
  };
  assert.ok(result.faces.length >= 2);
  assert.ok(result.faces.every((f) => f.match === null && f.candidates.length === 0));
});

test('enrol, identify, verify and delete through the host, with change events', async () => {
  const added = (await host.call('enrol.photo', { name: 'Barack Obama', image: image(photo.obama) })) as { status: string; faceId: number };
  assert.equal(added.status, 'added');
  await host.call('enrol.photo', { name: 'Joe Biden', image: image(photo.biden) });
  assert.ok(events.some((e) => e.event === 'data.changed'));

  const thumbnail = (await host.call('faces.thumbnail', { faceId: added.faceId })) as Uint8Array;
  assert.deepEqual([...thumbnail.subarray(0, 2)], [0xff, 0xd8], 'a JPEG');

  const group = (await host.call('recognize.identify', { image: image(photo.obamaAndBiden) })) as {
    faces: { match: { name: string } | null }[];
  };
  assert.deepEqual(
    group.faces
      .map((f) => f.match?.name ?? null)
      .filter(Boolean)
      .sort(),
    ['Barack Obama', 'Joe Biden'],
  );

  const wrong = (await host.call('recognize.verify', { name: 'Joe Biden', image: image(photo.obama2) })) as { match: boolean };
  assert.equal(wrong.match, false);
  assert.equal((wrong as { liveness?: unknown }).liveness, undefined, 'no liveness unless asked');
  // Asked for, it is scored with the store's threshold setting.
  await host.call('settings.set', { livenessThreshold: 0.99 });
  const checked = (await host.call('recognize.verify', { name: 'Joe Biden', image: image(photo.obama2), liveness: true })) as {
    liveness: { score: number; live: boolean; threshold: number; model: string };
  };
  assert.equal(checked.liveness.threshold, 0.99);
  assert.equal(checked.liveness.live, checked.liveness.score >= 0.99);
  assert.equal(checked.liveness.model, 'antispoof');
  await host.call('settings.set', { livenessThreshold: LIVENESS_DEFAULT_THRESHOLD });

  await host.call('people.remove', { name: 'Barack Obama' });
  const after = (await host.call('recognize.identify', { image: image(photo.obama2) })) as { faces: { match: unknown }[] };
  assert.equal(after.faces[0]?.match, null);
  assert.equal((await failure(host.call('faces.thumbnail', { faceId: added.faceId }))).code, 'NOT_FOUND');
});

test("enrol.photo takes the dominant face of a photo of several only when it is the person's", async () => {
  await host.call('enrol.photo', { name: 'Joe Biden', image: image(photo.biden2) }); // enrolled above too: two faces of him
  const inFront = (await host.call('enrol.photo', {
    name: 'Joe Biden',
    image: image(await bidenWithObamaBehind(path.join(dir, 'biden-in-front.jpg'))),
  })) as { status: string; faceCount: number; chosen: string; warnings: string[] };
  assert.deepEqual([inFront.status, inFront.faceCount, inFront.chosen, inFront.warnings], ['added', 2, 'dominant', []]);
  const someoneElse = await failure(
    host.call('enrol.photo', { name: 'Joe Biden', image: image(await obamaWithBidenBehind(path.join(dir, 'obama-in-front.jpg'))) }),
  );
  assert.equal(someoneElse.code, 'NOT_SAME_PERSON', 'the code crosses the thread');
  assert.match(someoneElse.message, /^obama-in-front\.jpg: not the same person as the other photos/);
  assert.equal(someoneElse.details?.threshold, DEFAULT_THRESHOLD);
});

test('a corrupt upload gets an error naming the file, and nothing is written', async () => {
  const before = (await host.call('people.list', {})) as unknown[];
  const error = await failure(
    host.call('enrol.photo', { name: 'Nobody', image: { bytes: new Uint8Array([0xff, 0xd8, 0xff, 0, 1, 2]), name: 'broken.jpg' } }),
  );
  assert.equal(error.code, 'BAD_INPUT');
  assert.match(error.message, /^broken\.jpg: /);
  assert.deepEqual(await host.call('people.list', {}), before);
});

test('settings persist in the store and come back typed', async () => {
  const saved = (await host.call('settings.set', { threshold: 0.55, kioskCooldownSeconds: 120 })) as {
    threshold: number;
    kioskCooldownSeconds: number;
    kioskRequiredFrames: number;
  };
  assert.equal(saved.threshold, 0.55);
  assert.equal(saved.kioskCooldownSeconds, 120);
  assert.equal(saved.kioskRequiredFrames, 3);
  assert.deepEqual(await host.call('settings.get', {}), saved);
});

test('style transfer without VGG-19 says what is missing; details name the model for the shell to word its advice', async () => {
  const error = await failure(
    host.call('style.start', { content: image(photo.noFace), styles: [image(photo.noFace)], settings: { size: 64, iterations: 1 } }),
  );
  assert.equal(error.code, 'MODEL_MISSING');
  assert.match(error.message, /VGG19 weights are not installed/);
  assert.doesNotMatch(error.message, /facekit models/, 'no command-line advice from the engine');
  assert.equal(error.details?.model, 'vgg19');
  assert.equal(error.details?.reason, 'not-installed');
});
