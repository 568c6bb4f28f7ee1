// The kiosk's active liveness challenge (engine/recognition/liveness-challenge.ts) on landmarks the real
// landmark net finds in real photos, cut to 640×480 camera frames and run through the kiosk's fast
// pipeline. Head turns use frontal and turned photos of the same person; a flat photo is "moved" in
// front of the camera by affine warps. No fixture shows closed eyes, so blinks are real landmarks with
// the eyelid points moved onto the line between the eye's corners (closed) — said where it is done.
import test from 'node:test';
import assert from 'node:assert/strict';
import sharp, { type Sharp } from 'sharp';
import { decodeImageBuffer } from '../../../engine/image.ts';
import { analyzeFaces } from '../../../engine/faces/pipeline.ts';
import { estimateYaw } from '../../../engine/faces/pose.ts';
import type { Point } from '../../../engine/faces/geometry.ts';
import { createModelRegistry } from '../../../engine/models/loaded-models.ts';
import { CHALLENGE_DEFAULTS, LivenessChallenge, eyeOpening, pickChallenge } from '../../../engine/recognition/liveness-challenge.ts';
import { CHALLENGE_KINDS } from '../../../api/liveness.ts';
import { at } from '../../helpers/assert.ts';
import { FACES, photo } from '../../helpers/fixtures.ts';
import path from 'node:path';

const models = createModelRegistry();
test.after(() => models.unloadAll());

/** Turned to the person's own left (nose towards the image's right) by ≈ 27°, per the landmarks. */
const OBAMA_LEFT = path.join(FACES, 'knn_examples', 'test', 'obama1.jpg');
/** obama2.jpg: turned to his right by ≈ 21°; obama.jpg is frontal (≈ 2°). */
const OBAMA_RIGHT = photo.obama2;
const OBAMA_FRONT = photo.obama;

type Warp = (s: Sharp) => Sharp;

/** The landmarks of the only face of a photo as the kiosk sees it: fitted into a 640×480 JPEG frame. */
async function landmarksOf(file: string, warp: Warp = (s) => s): Promise<Point[]> {
  const frame = await warp(sharp(file).rotate())
    .resize(640, 480, { fit: 'contain', background: '#808080' })
    .flatten({ background: '#808080' })
    .jpeg({ quality: 85 })
    .toBuffer();
  const { faces } = await analyzeFaces(models, await decodeImageBuffer(frame, path.basename(file)), { detector: 'fast' });
  assert.equal(faces.length, 1, `one face in ${path.basename(file)}`);
  return at(faces, 0, 'the face').landmarks;
}

/** Feeds frames 200 ms apart (a kiosk at 5 frames/s), returns the last state. */
function run(challenge: LivenessChallenge, frames: readonly (readonly Point[])[], from = challenge.startedAt) {
  let state = challenge.state(from);
  frames.forEach((landmarks, i) => (state = challenge.feed({ at: from + i * 200, landmarks })));
  return state;
}

test('a head turn to the asked side from a frontal start passes; to the other side fails at once', async () => {
  const front = await landmarksOf(OBAMA_FRONT);
  const left = await landmarksOf(OBAMA_LEFT);
  const right = await landmarksOf(OBAMA_RIGHT);
  assert.ok(Math.abs(estimateYaw(front)) < CHALLENGE_DEFAULTS.frontalDegrees, `frontal photo reads ${estimateYaw(front)}°`);

  assert.equal(run(new LivenessChallenge('turn-left', 0), [front, front, left]).status, 'passed');
  assert.equal(run(new LivenessChallenge('turn-right', 0), [front, right]).status, 'passed');
  const wrong = run(new LivenessChallenge('turn-left', 0), [front, right, left]);
  assert.deepEqual([wrong.status, wrong.reason], ['failed', 'challenge-wrong-way']);
  // Turned either way before the first frontal frame: not yet an answer, neither right nor wrong.
  assert.equal(run(new LivenessChallenge('turn-left', 0), [right, left, front, left]).status, 'passed');
});

test('a turn needs a frontal start: a face already turned when asked does not pass', async () => {
  const left = await landmarksOf(OBAMA_LEFT);
  const challenge = new LivenessChallenge('turn-left', 0);
  assert.equal(run(challenge, [left, left, left]).status, 'pending');
  const late = challenge.state(CHALLENGE_DEFAULTS.timeoutMs + 1);
  assert.deepEqual([late.status, late.reason, late.msLeft], ['failed', 'challenge-timeout', 0]);
});

test('a flat photo turned, tilted or rotated in front of the camera keeps its yaw and eye opening', async () => {
  // Turned 45° about the vertical axis (width × cos 45°), tilted back 45° (height × cos 45°), rotated 20°,
  // sheared: what holding a print or a phone at an angle does, to first order (an affine map).
  const warps: Record<string, Warp> = {
    turned: (s) => s.affine([0.7, 0, 0, 1], { background: '#808080' }),
    tilted: (s) => s.affine([1, 0, 0, 0.7], { background: '#808080' }),
    rotated: (s) => s.rotate(20, { background: '#808080' }),
    sheared: (s) => s.affine([1, 0.25, 0, 1], { background: '#808080' }),
  };
  for (const file of [OBAMA_FRONT, OBAMA_LEFT]) {
    const still = await landmarksOf(file);
    const frames = [still];
    for (const [name, warp] of Object.entries(warps)) {
      const moved = await landmarksOf(file, warp);
      frames.push(moved, still);
      const dy = estimateYaw(moved) - estimateYaw(still);
      assert.ok(Math.abs(dy) < 8, `${path.basename(file)} ${name}: yaw moved by ${dy.toFixed(1)}°`);
      const ratio = eyeOpening(moved) / eyeOpening(still);
      assert.ok(ratio > CHALLENGE_DEFAULTS.closed + 0.1, `${path.basename(file)} ${name}: eye opening × ${ratio.toFixed(2)}`);
    }
    // The whole waved-about sequence passes no challenge.
    for (const kind of CHALLENGE_KINDS) {
      const state = run(new LivenessChallenge(kind, 0), frames);
      assert.notEqual(state.status, 'passed', `${path.basename(file)} passed ${kind}`);
    }
  }
});

/** SYNTHETIC: the real landmarks with each eye's lids moved `closing` of the way onto its corner line. */
function closeEyes(landmarks: readonly Point[], closing: number): Point[] {
  const out = landmarks.map((p) => ({ ...p }));
  for (const [a, b, lids] of [
    [36, 39, [37, 38, 40, 41]],
    [42, 45, [43, 44, 46, 47]],
  ] as const) {
    const pa = at(landmarks, a, 'eye corner');
    const pb = at(landmarks, b, 'eye corner');
    for (const i of lids) {
      const p = at(landmarks, i, 'eyelid');
      const t = ((p.x - pa.x) * (pb.x - pa.x) + (p.y - pa.y) * (pb.y - pa.y)) / ((pb.x - pa.x) ** 2 + (pb.y - pa.y) ** 2);
      const onLine = { x: pa.x + t * (pb.x - pa.x), y: pa.y + t * (pb.y - pa.y) };
      out[i] = { x: p.x + closing * (onLine.x - p.x), y: p.y + closing * (onLine.y - p.y) };
    }
  }
  return out;
}

test('a blink (eyes closed, then open again) passes; half-closed eyes or eyes that stay shut do not', async () => {
  const open = await landmarksOf(OBAMA_FRONT);
  const shut = closeEyes(open, 0.9);
  const half = closeEyes(open, 0.25);
  assert.ok(eyeOpening(shut) < CHALLENGE_DEFAULTS.closed * eyeOpening(open));

  assert.equal(run(new LivenessChallenge('blink', 0), [open, open, shut, open]).status, 'passed');
  assert.equal(run(new LivenessChallenge('blink', 0), [open, half, open, half, open]).status, 'pending');
  assert.equal(run(new LivenessChallenge('blink', 0), [open, shut, shut, shut]).status, 'pending');
  // Closed before the baseline was seen open: the opening afterwards is the baseline, not a blink.
  assert.equal(run(new LivenessChallenge('blink', 0), [shut, open, open]).status, 'pending');
});

test('a blink after the time-out does not count', async () => {
  const open = await landmarksOf(OBAMA_FRONT);
  const shut = closeEyes(open, 0.9);
  const challenge = new LivenessChallenge('blink', 0, { timeoutMs: 1000 });
  challenge.feed({ at: 0, landmarks: open });
  challenge.feed({ at: 900, landmarks: shut });
  const state = challenge.feed({ at: 1100, landmarks: open });
  assert.deepEqual([state.status, state.reason], ['failed', 'challenge-timeout']);
  assert.equal(state.prompt, 'Blink');
});

test('each attempt draws its challenge from the injected random source', () => {
  assert.deepEqual(
    [0, 0.34, 0.67, 0.999999].map((r) => pickChallenge(() => r)),
    ['blink', 'turn-left', 'turn-right', 'turn-right'],
  );
  const drawn = new Set(Array.from({ length: 200 }, () => pickChallenge()));
  assert.deepEqual([...drawn].sort(), [...CHALLENGE_KINDS].sort());
});
