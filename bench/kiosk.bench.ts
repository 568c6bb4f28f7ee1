// Kiosk throughput: recognised 640×480 camera frames per second through the engine host (worker
// thread, decode, detect, landmarks, embed, search, check-in rules), as the app runs them — with the
// fast detector the kiosk uses against the accurate one used for photos, measured in the same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { EngineHost } from '../host/engine-host.ts';
import { analyzeFaces } from '../engine/faces/pipeline.ts';
import { decodeImageBuffer } from '../engine/image.ts';
import { createModelRegistry } from '../engine/models/loaded-models.ts';
import { medianMs, printTable } from './table.ts';

const FACES = path.resolve(import.meta.dirname, '..', 'test', 'fixtures', 'faces', 'face_recognition');
const FRAMES = 30;

/** A camera-like frame: the photo fitted into 640×480, as JPEG (what the renderer sends). */
async function cameraFrame(file: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(file).resize(640, 480, { fit: 'contain', background: '#808080' }).jpeg({ quality: 80 }).toBuffer());
}

export async function benchKiosk(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facekit-bench-kiosk-'));
  const host = await EngineHost.start({ shell: 'browser', dbPath: path.join(dir, 'store.db'), dataDir: dir });
  try {
    const enrolPhoto = path.join(FACES, 'knn_examples', 'train', 'obama', 'obama.jpg');
    await host.call('enrol.photo', {
      name: 'Barack Obama',
      image: { bytes: new Uint8Array(fs.readFileSync(enrolPhoto)), name: 'obama.jpg' },
    });
    const frame = await cameraFrame(path.join(FACES, 'knn_examples', 'test', 'obama1.jpg'));
    const { sessionId } = (await host.call('kiosk.start', {})) as { sessionId: string };
    const image = { bytes: frame, name: 'frame.jpg' };
    await host.call('kiosk.frame', { sessionId, image }); // warm-up: loads the fast detector

    const start = performance.now();
    for (let i = 0; i < FRAMES; i++) await host.call('kiosk.frame', { sessionId, image });
    const kioskMs = (performance.now() - start) / FRAMES;

    // Baseline, same frame, this thread: the accurate detector the enrolment and photo screens use.
    const decoded = await decodeImageBuffer(Buffer.from(frame), 'frame.jpg');
    const models = createModelRegistry();
    await analyzeFaces(models, decoded);
    const accurateMs = await medianMs(10, () => analyzeFaces(models, decoded));
    const fastMs = await medianMs(10, () => analyzeFaces(models, decoded, { detector: 'fast' }));

    printTable(
      'Kiosk: one 640×480 frame with one face',
      ['path', 'ms/frame', 'frames/s', 'vs accurate'],
      [
        ['accurate detector (SSD, photos), in-process', accurateMs, 1000 / accurateMs, 1],
        ['fast detector (Tiny, kiosk), in-process', fastMs, 1000 / fastMs, accurateMs / fastMs],
        ['kiosk.frame through the engine host (worker)', kioskMs, 1000 / kioskMs, accurateMs / kioskMs],
      ],
    );
    models.unloadAll();
  } finally {
    await host.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchKiosk();
