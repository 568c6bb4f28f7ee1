// Kiosk throughput: recognised 640×480 camera frames per second through the engine host (worker
// thread, decode, detect, landmarks, embed, search, check-in rules), as the app runs them — with the
// fast detector the kiosk uses against the accurate one used for photos, and with passive liveness
// (#12) off and on, all measured in the same run; and what the spoof checks cost per face.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { EngineHost } from '../host/engine-host.ts';
import { analyzeFaces } from '../engine/faces/pipeline.ts';
import { decodeImageBuffer } from '../engine/image.ts';
import { createModelRegistry } from '../engine/models/loaded-models.ts';
import { passiveLiveness } from '../engine/faces/liveness.ts';
import { LivenessChallenge } from '../engine/recognition/liveness-challenge.ts';
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
    const image = { bytes: frame, name: 'frame.jpg' };
    /** ms per kiosk.frame with passive liveness on or off (the challenge on: it runs every frame). */
    const kioskRun = async (passive: boolean): Promise<number> => {
      await host.call('settings.set', { kioskLivenessPassive: passive, kioskLivenessChallenge: true });
      const { sessionId } = (await host.call('kiosk.start', {})) as { sessionId: string };
      await host.call('kiosk.frame', { sessionId, image }); // warm-up: loads the fast detector (and the liveness net)
      const start = performance.now();
      for (let i = 0; i < FRAMES; i++) await host.call('kiosk.frame', { sessionId, image });
      await host.call('kiosk.stop', { sessionId });
      return (performance.now() - start) / FRAMES;
    };
    // Off, on, off, on: the machine's load drifts, so each setting gets an early and a late turn.
    const runs = [await kioskRun(false), await kioskRun(true), await kioskRun(false), await kioskRun(true)];
    const kioskMs = ((runs[0] ?? 0) + (runs[2] ?? 0)) / 2;
    const livenessMs = ((runs[1] ?? 0) + (runs[3] ?? 0)) / 2;

    // Baseline, same frame, this thread: the accurate detector the enrolment and photo screens use.
    const decoded = await decodeImageBuffer(Buffer.from(frame), 'frame.jpg');
    const models = createModelRegistry();
    await analyzeFaces(models, decoded);
    const accurateMs = await medianMs(10, () => analyzeFaces(models, decoded));
    const fastMs = await medianMs(10, () => analyzeFaces(models, decoded, { detector: 'fast' }));
    // The spoof checks alone, on the face of that frame: the passive net, and one challenge step.
    const face = (await analyzeFaces(models, decoded, { detector: 'fast' })).faces[0];
    if (!face) throw new Error('no face in the bench frame');
    await passiveLiveness(models, decoded, face);
    const passiveMs = await medianMs(20, () => passiveLiveness(models, decoded, face));
    const challenge = new LivenessChallenge('blink', 0, { timeoutMs: Infinity });
    const stepStart = performance.now();
    for (let i = 0; i < 10_000; i++) challenge.feed({ at: i, landmarks: face.landmarks });
    const challengeUs = ((performance.now() - stepStart) / 10_000) * 1000;

    printTable(
      'Kiosk: one 640×480 frame with one face',
      ['path', 'ms/frame', 'frames/s', 'vs accurate'],
      [
        ['accurate detector (SSD, photos), in-process', accurateMs, 1000 / accurateMs, 1],
        ['fast detector (Tiny, kiosk), in-process', fastMs, 1000 / fastMs, accurateMs / fastMs],
        ['kiosk.frame through the engine host (worker), passive liveness off', kioskMs, 1000 / kioskMs, accurateMs / kioskMs],
        ['kiosk.frame through the engine host (worker), passive liveness on', livenessMs, 1000 / livenessMs, accurateMs / livenessMs],
      ],
    );
    printTable(
      'Kiosk: what the spoof checks cost per recognised face (same frame)',
      ['check', 'ms/face'],
      [
        ['passive liveness (crop + antispoof net), in-process', passiveMs],
        ['active challenge, one frame (landmark ratios): µs, not ms', challengeUs],
        ['kiosk.frame, passive on minus off (through the host)', livenessMs - kioskMs],
      ],
    );
    models.unloadAll();
  } finally {
    await host.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchKiosk();
