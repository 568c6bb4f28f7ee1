// Test-only, run as a child process by fuzz.test.ts (so a native crash in the decoder fails the test
// with the case that caused it instead of killing the test runner). Feeds hostile images through
// decode → detect and reports each case as one line "FUZZ {json}" on stdout.
// Usage: node --import tsx test/robustness/fuzz-worker.ts BASE_SEED COUNT
import { decodeImageBuffer } from '../../engine/image.ts';
import { analyzeFaces } from '../../engine/faces/pipeline.ts';
import { createModelRegistry } from '../../engine/models/loaded-models.ts';
import { initBackend } from '../../engine/runtime/backend.ts';
import { isFaceKitError } from '../../api/errors.ts';
import { at } from '../helpers/assert.ts';
import { makeCase, makeSeedImages } from './fuzz-cases.ts';

export type FuzzEvent =
  | { type: 'ready'; backend: string; rss: number }
  | { type: 'start'; index: number; seed: number; kind: string; from: string; name: string; detail: string; bytes: number }
  | { type: 'result'; index: number; ms: number; width: number; height: number; faces: number }
  | { type: 'error'; index: number; ms: number; code: string | null; errorName: string; message: string }
  | { type: 'done'; rssBefore: number; rssAfter: number; rssPeak: number };

function emit(event: FuzzEvent): void {
  process.stdout.write(`FUZZ ${JSON.stringify(event)}\n`);
}

const [baseSeed, count] = process.argv.slice(2).map(Number);
if (baseSeed === undefined || count === undefined || !Number.isInteger(baseSeed) || !Number.isInteger(count))
  throw new Error('usage: fuzz-worker.ts BASE_SEED COUNT');

const backend = await initBackend();
const models = createModelRegistry();
const seeds = await makeSeedImages();
// Load every net before measuring memory: the first calls allocate the models, not the fuzz.
const warmUp = at(seeds, 0, 'a seed image').bytes;
await analyzeFaces(models, await decodeImageBuffer(warmUp, 'warm-up'));
await analyzeFaces(models, await decodeImageBuffer(warmUp, 'warm-up'), { detector: 'fast' });
const rssBefore = process.memoryUsage().rss;
let rssPeak = rssBefore;
emit({ type: 'ready', backend: backend.name, rss: rssBefore });

for (let index = 0; index < count; index++) {
  const c = makeCase(seeds, baseSeed, index);
  emit({ type: 'start', index, seed: c.seed, kind: c.kind, from: c.from, name: c.name, detail: c.detail, bytes: c.bytes.length });
  const started = performance.now();
  try {
    const image = await decodeImageBuffer(c.bytes, c.name);
    // The enrolment path (SSD + padded retry) and the kiosk path (Tiny detector) in turn.
    const detector = c.kind === 'unchanged' || index % 2 === 0 ? 'accurate' : 'fast';
    const { faces } = await analyzeFaces(models, image, { detector });
    emit({ type: 'result', index, ms: performance.now() - started, width: image.width, height: image.height, faces: faces.length });
  } catch (error) {
    emit({
      type: 'error',
      index,
      ms: performance.now() - started,
      code: isFaceKitError(error) ? error.code : null,
      errorName: error instanceof Error ? error.name : typeof error,
      message: error instanceof Error ? error.message : String(error),
    });
  }
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
}
emit({ type: 'done', rssBefore, rssAfter: process.memoryUsage().rss, rssPeak });
