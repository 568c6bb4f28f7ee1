// The kiosk's liveness rules through the engine host, with the real models on real photos (#12): a
// still photo of an enrolled person held to the camera checks no one in and is logged as a spoof
// attempt (with a thumbnail, listed under its own filter and in the CSV); frames that pass the head-turn
// challenge (a frontal photo, then one turned to the person's left) check the person in. The challenge
// is fixed with FACEKIT_KIOSK_CHALLENGE so the test knows what to show; passive liveness stays on at the
// default threshold.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { EngineHost } from '../../../host/engine-host.ts';
import type { Checkin, KioskFrameResult, KioskSession } from '../../../api/definition.ts';
import { FACES, photo, tempDir } from '../../helpers/fixtures.ts';

let dir: string;
let host: EngineHost;
const FRONT = photo.obama;
/** Obama turned to his own left (≈ 27° by the landmarks). */
const TURNED_LEFT = path.join(FACES, 'knn_examples', 'test', 'obama1.jpg');

/** A 640 × 480 camera frame showing the photo, as the Kiosk screen sends it. */
async function frame(file: string): Promise<{ bytes: Uint8Array; name: string }> {
  const jpeg = await sharp(file).resize(640, 480, { fit: 'contain', background: '#202020' }).jpeg({ quality: 85 }).toBuffer();
  return { bytes: new Uint8Array(jpeg), name: 'camera.jpg' };
}

const start = async () => (await host.call('kiosk.start', { cooldownSeconds: 300, requiredFrames: 3 })) as KioskSession;
const show = async (sessionId: string, image: { bytes: Uint8Array; name: string }) =>
  (await host.call('kiosk.frame', { sessionId, image })) as KioskFrameResult;

before(async () => {
  dir = tempDir();
  process.env.FACEKIT_KIOSK_CHALLENGE = 'turn-left'; // the worker threads copy the environment at start
  host = await EngineHost.start({ shell: 'browser', dbPath: path.join(dir, 'store.db'), dataDir: dir });
  await host.call('enrol.photo', { name: 'Barack Obama', image: { bytes: new Uint8Array(fs.readFileSync(FRONT)), name: 'obama.jpg' } });
});
after(async () => {
  await host.close();
  delete process.env.FACEKIT_KIOSK_CHALLENGE;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a still photo of an enrolled person checks no one in: the challenge times out, one spoof attempt is logged', async () => {
  const session = await start();
  assert.deepEqual([session.livenessPassive, session.livenessChallenge], [true, true]);
  const still = await frame(FRONT);
  const prompts = new Set<string>();
  const refusals = new Set<string>();
  const began = Date.now();
  while (Date.now() - began < 9000) {
    const result = await show(session.sessionId, still);
    assert.deepEqual(result.checkins, []);
    const face = result.faces[0];
    assert.equal(face?.name, 'Barack Obama');
    if (face?.challenge) prompts.add(`${face.challenge.prompt} (${face.challenge.secondsLeft <= 6})`);
    if (face?.refused) refusals.add(face.refused);
  }
  assert.deepEqual([...prompts], ['Turn your head to the left (true)']);
  assert.deepEqual([...refusals], ['challenge-timeout']);
  const stopped = (await host.call('kiosk.stop', { sessionId: session.sessionId })) as { checkins: number; spoofAttempts: number };
  assert.deepEqual([stopped.checkins, stopped.spoofAttempts], [0, 1]);

  const attempts = (await host.call('checkins.list', { kind: 'spoof' })) as Checkin[];
  assert.equal(attempts.length, 1);
  const [attempt] = attempts;
  assert.equal(attempt?.kind, 'spoof');
  assert.equal(attempt?.personName, 'Barack Obama');
  assert.ok(attempt?.distance !== null && attempt?.distance !== undefined && attempt.distance < 0.4, `distance ${attempt?.distance}`);
  assert.deepEqual([attempt?.spoof?.reason, attempt?.spoof?.challenge], ['challenge-timeout', 'turn-left']);
  const jpeg = (await host.call('checkins.spoofThumbnail', { id: attempt?.id ?? 0 })) as Uint8Array;
  const meta = await sharp(jpeg).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 128, 128]);
  // Visits and attempts are apart: no check-in, and the attempt shows under "all" and in its CSV.
  assert.deepEqual(await host.call('checkins.list', {}), []);
  assert.equal(((await host.call('checkins.list', { kind: 'all' })) as Checkin[]).length, 1);
  const { csv } = (await host.call('checkins.csv', { kind: 'spoof' })) as { csv: string };
  assert.match(
    csv,
    /^time,person,distance,source,kind,refused because\r?\n.*,Barack Obama,0\.\d{4},kiosk,spoof attempt,did not do what was asked in time/,
  );
});

test('a frontal face that then turns to the asked side is checked in', async () => {
  const session = await start();
  const front = await frame(FRONT);
  let prompt: string | undefined;
  for (let i = 0; i < 4; i++) {
    const result = await show(session.sessionId, front);
    assert.deepEqual(result.checkins, [], `frame ${i}: not before the challenge`);
    prompt = result.faces[0]?.challenge?.prompt ?? prompt;
  }
  assert.equal(prompt, 'Turn your head to the left');
  const turned = await show(session.sessionId, await frame(TURNED_LEFT));
  assert.deepEqual(
    turned.checkins.map((c) => [c.personName, c.kind]),
    [['Barack Obama', 'checkin']],
  );
  assert.ok((turned.faces[0]?.liveness ?? 0) > 0, 'the passive score is reported');
  assert.equal(((await host.call('checkins.list', { kind: 'spoof' })) as Checkin[]).length, 1, 'no new attempt');
  await host.call('kiosk.stop', { sessionId: session.sessionId });
});
