import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applySimilarity, chipFor, CHIP_KINDS, fitSimilarity } from '../../../engine/faces/alignment.ts';
import { chipToSource } from '../../../engine/faces/chip.ts';
import { estimateYaw } from '../../../engine/faces/pose.ts';
import { jitteredSpecs, meanEmbedding, mirrorImage } from '../../../engine/faces/augment.ts';
import type { Point } from '../../../engine/faces/geometry.ts';

const near = (a: number, b: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tolerance, `${what}: ${a} is not within ${tolerance} of ${b}`);

/** A frontal, symmetric 68-point face around (100, 100): jaw, brows, nose, eyes, mouth at plausible places. */
function frontalFace(): Point[] {
  const points: Point[] = [];
  for (let i = 0; i <= 16; i++) {
    const t = (i / 16) * Math.PI;
    points.push({ x: 100 - 60 * Math.cos(t), y: 100 + 70 * Math.sin(t) - 20 }); // jaw 0–16, left to right
  }
  for (let i = 0; i < 10; i++) points.push({ x: 50 + i * 11 + (i >= 5 ? 10 : 0), y: 60 }); // brows 17–26
  for (let i = 0; i < 4; i++) points.push({ x: 100, y: 75 + i * 8 }); // nose bridge 27–30
  for (let i = 0; i < 5; i++) points.push({ x: 88 + i * 6, y: 110 }); // nostrils 31–35
  // eyes 36–47: each from its left corner over the top (dlib's order), mirror images of each other
  for (const cx of [70, 130])
    for (let i = 0; i < 6; i++)
      points.push({ x: cx + 12 * Math.cos(Math.PI + (i * Math.PI) / 3), y: 75 + 5 * Math.sin(Math.PI + (i * Math.PI) / 3) });
  for (let i = 0; i <= 6; i++) points.push({ x: 80 + (i * 40) / 6, y: 135 }); // outer upper lip 48–54, left to right
  for (let i = 1; i <= 5; i++) points.push({ x: 120 - (i * 40) / 6, y: 145 }); // outer lower lip 55–59, right to left
  for (let i = 0; i <= 4; i++) points.push({ x: 85 + i * 7.5, y: 138 }); // inner upper lip 60–64
  for (let i = 1; i <= 3; i++) points.push({ x: 115 - i * 7.5, y: 141 }); // inner lower lip 65–67
  return points;
}

const turn = (points: Point[], angle: number, scale: number, shift: Point): Point[] =>
  points.map((p) => applySimilarity({ angle, scale, shift }, p));

test('the least-squares similarity recovers a known scale, rotation and shift', () => {
  const from = frontalFace();
  const truth = { angle: 0.3, scale: 1.7, shift: { x: 12, y: -5 } };
  const fitted = fitSimilarity(from, turn(from, truth.angle, truth.scale, truth.shift));
  near(fitted.angle, truth.angle, 1e-9, 'angle');
  near(fitted.scale, truth.scale, 1e-9, 'scale');
  near(fitted.shift.x, truth.shift.x, 1e-9, 'shift x');
  near(fitted.shift.y, truth.shift.y, 1e-9, 'shift y');
});

test('every chip follows the face: turned, scaled and moved landmarks give the same chip content', () => {
  const face = frontalFace();
  const moved = turn(face, 0.25, 2, { x: 40, y: 30 });
  for (const kind of CHIP_KINDS) {
    const a = chipFor(kind, face);
    const b = chipFor(kind, moved);
    assert.equal(a.size, 150);
    near(b.side / a.side, 2, 0.02, `${kind}: side`);
    // The chip's corner lands on the same face point.
    const cornerA = applySimilarity({ angle: 0.25, scale: 2, shift: { x: 40, y: 30 } }, chipToSource({ x: 0, y: 0 }, a));
    const cornerB = chipToSource({ x: 0, y: 0 }, b);
    if (kind === 'faceapi') continue; // face-api's crop is never rotated: only its size follows
    near(cornerB.x, cornerA.x, 0.5, `${kind}: corner x`);
    near(cornerB.y, cornerA.y, 0.5, `${kind}: corner y`);
  }
});

test("dlib's chip puts a frontal face upright with room around it", () => {
  const spec = chipFor('dlib', frontalFace());
  near(spec.angle, 0, 1e-6, 'angle');
  const eyesY = 75;
  const chipEyes = (eyesY - (spec.center.y - spec.side / 2)) / spec.side;
  assert.ok(chipEyes > 0.25 && chipEyes < 0.45, `eyes at ${chipEyes} of the chip's height`);
});

test('yaw: 0 for a frontal face, the sign of the turn otherwise, whatever the roll', () => {
  const face = frontalFace();
  near(estimateYaw(face), 0, 1, 'frontal');
  const noseRight = face.map((p, i) => (i >= 27 && i <= 35 ? { x: p.x + 25, y: p.y } : p));
  const yaw = estimateYaw(noseRight);
  assert.ok(yaw > 20 && yaw < 60, `nose moved right: yaw ${yaw}`);
  near(estimateYaw(turn(noseRight, 0.5, 1.3, { x: 5, y: 9 })), yaw, 1e-6, 'rolled');
  near(estimateYaw(face.map((p, i) => (i >= 27 && i <= 35 ? { x: p.x - 25, y: p.y } : p))), -yaw, 1e-6, 'mirrored');
});

test('mirroring twice gives the image back; jitters are seeded and small', () => {
  const data = Buffer.from(Array.from({ length: 4 * 3 * 3 }, (_, i) => i));
  const image = { width: 4, height: 3, data };
  assert.deepEqual(mirrorImage(mirrorImage(image)).data, data);
  assert.deepEqual([...mirrorImage(image).data.subarray(0, 3)], [9, 10, 11]);
  const spec = chipFor('dlib', frontalFace());
  const a = jitteredSpecs(spec, 5);
  assert.deepEqual(a, jitteredSpecs(spec, 5));
  for (const { spec: j } of a) {
    near(j.angle, spec.angle, (3 * Math.PI) / 180 + 1e-9, 'turn');
    near(j.side / spec.side, 0.97, 0.03, 'scale');
    near(Math.hypot(j.center.x - spec.center.x, j.center.y - spec.center.y) / spec.side, 0, 0.03, 'shift');
  }
  assert.deepEqual([...meanEmbedding([new Float32Array([1, 2]), new Float32Array([3, 6])])], [2, 4]);
});
