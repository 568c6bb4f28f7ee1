// The app's style worker frees its networks once no job runs: the real style handlers on a real store,
// the real face networks (the identity check) and a small random VGG-19 installed where the app finds it.
// In-process rather than through EngineHost so that tf.memory() sees the worker's tensors.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../../../db/store.ts';
import { parseArgs, type EventName, type Events } from '../../../api/definition.ts';
import { styleHandlers } from '../../../host/handlers/style.ts';
import type { HandlerContext } from '../../../host/handlers/context.ts';
import { createModelRegistry } from '../../../engine/models/loaded-models.ts';
import { installPath } from '../../../engine/models/index.ts';
import { initBackend } from '../../../engine/runtime/backend.ts';
import { tf } from '../../../engine/runtime/tf.ts';
import { photo, STYLE, tempDir } from '../../helpers/fixtures.ts';
import { writeRandomVgg19H5 } from '../../helpers/vgg19-h5.ts';

const dir = tempDir();
process.env.FACEKIT_MODELS_DIR = path.join(dir, 'models');
const SMALL_WIDTHS = [8, 8, 16, 16, 32, 32, 32, 32, 64, 64, 64, 64, 64, 64, 64, 64];

const store = Store.open(path.join(dir, 'store.db'));
const models = createModelRegistry();
const events: { event: EventName; payload: unknown }[] = [];
const context: HandlerContext = {
  store,
  dataDir: dir,
  shell: 'browser',
  keyNote: 'not encrypted (test)',
  models,
  emit(event, payload) {
    events.push({ event, payload });
  },
};

test.before(async () => {
  await initBackend();
  const vgg = installPath('vgg19');
  fs.mkdirSync(path.dirname(vgg), { recursive: true });
  await writeRandomVgg19H5(vgg, { layout: 'keras2-nested', channels: SMALL_WIDTHS, seed: 1 });
});
test.after(() => {
  models.unloadAll();
  store.close();
});

const memory = () => ({ numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes });
const image = (file: string) => ({ bytes: new Uint8Array(fs.readFileSync(file)), name: path.basename(file) });
const startArgs = parseArgs('style.start', {
  content: image(photo.obama),
  styles: [image(path.join(STYLE, 'monet.jpg'))],
  settings: { size: 64, iterations: 4, seed: 1 },
});

/** Resolves with the job's style.done payload (or rejects with its style.failed error). */
async function finished(jobId: string): Promise<Events['style.done']> {
  for (let waited = 0; waited < 120_000; waited += 20) {
    const end = events.find(
      (e) => (e.event === 'style.done' || e.event === 'style.failed') && (e.payload as { jobId: string }).jobId === jobId,
    );
    if (end?.event === 'style.failed') throw new Error(JSON.stringify(end.payload));
    if (end) return end.payload as Events['style.done'];
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`job ${jobId} did not finish`);
}

async function unloaded(): Promise<void> {
  for (let waited = 0; waited < 5_000 && models.loadedNames().length; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
}

test('after the last job the style worker frees VGG-19 and the face networks; the next job loads them again', async () => {
  const handlers = styleHandlers(context, { unloadAfterMs: 50 });
  const before = memory();

  const first = await handlers['style.start'](startArgs);
  await finished(first.jobId);
  // style.done goes out before the idle timer starts: everything the job used is still loaded here.
  assert.deepEqual(models.loadedNames().sort(), ['blazeFace', 'faceDescriptor', 'faceDetector', 'faceLandmarks', 'vgg19']);
  const loaded = memory();
  assert.ok(loaded.numTensors > before.numTensors, `${loaded.numTensors} tensors while loaded`);

  // A second job right away: its start cancels the pending unload, and it runs on the loaded models.
  const second = await handlers['style.start'](startArgs);
  await finished(second.jobId);
  assert.deepEqual(memory(), loaded, 'nothing reloaded, nothing leaked');

  await unloaded();
  assert.deepEqual(models.loadedNames(), []);
  assert.deepEqual(memory(), before, 'every tensor of the networks given back');

  const third = await handlers['style.start'](startArgs);
  await finished(third.jobId);
  await unloaded();
  assert.deepEqual(memory(), before);
  assert.equal(store.gallery.list().length, 3);
});

test("the app's time limit reaches the job: the stage-end event and the gallery item say it stopped at the limit", async () => {
  const handlers = styleHandlers(context, { unloadAfterMs: 0 });
  const args = parseArgs('style.start', {
    ...startArgs,
    settings: { size: 64, iterations: 2000, maxSeconds: 1, earlyStop: false, seed: 1 },
  });
  const started = performance.now();
  const { jobId } = await handlers['style.start'](args);
  const done = await finished(jobId);
  assert.ok(performance.now() - started < 20_000, 'ended near its 1 s limit, not after 2000 iterations');
  assert.equal(done.item.stopReason, 'budget');
  const ends = events.filter(
    (e) => e.event === 'style.progress' && (e.payload as Events['style.progress']).jobId === jobId && 'stopReason' in (e.payload as object),
  );
  assert.deepEqual(
    ends.map((e) => (e.payload as Events['style.progress']).stopReason),
    ['budget'],
  );
  await unloaded();
});

test('threads: the style.start argument, else the stored setting (0 = all cores but one); progress says how many', async () => {
  const { readSettings } = await import('../../../host/handlers/settings.ts');
  const { styleThreads } = await import('../../../host/handlers/style.ts');
  assert.equal(readSettings(store).styleThreads, 0, 'automatic by default');
  assert.deepEqual([styleThreads(0, 1), styleThreads(0, 2), styleThreads(0, 8), styleThreads(3, 8)], [1, 1, 7, 3]);
  const threadsOf = (jobId: string) =>
    events
      .filter((e) => e.event === 'style.progress' && (e.payload as Events['style.progress']).jobId === jobId)
      .map((e) => (e.payload as Events['style.progress']).threads);
  const handlers = styleHandlers(context, { unloadAfterMs: 0 });
  // 64 px: 48 rows, room for three 16-row bands.
  const asked = await handlers['style.start'](parseArgs('style.start', { ...startArgs, threads: 2 }));
  await finished(asked.jobId);
  assert.deepEqual([...new Set(threadsOf(asked.jobId))], [2]);
  store.setSetting('style.threads', 3);
  const stored = await handlers['style.start'](startArgs);
  await finished(stored.jobId);
  assert.deepEqual([...new Set(threadsOf(stored.jobId))], [3]);
  store.setSetting('style.threads', 0);
  await unloaded();
});
