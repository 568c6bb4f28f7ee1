// The geometry of the dominant-face rule (engine/recognition/dominant-face.ts) on boxes, edge cases a
// photo rarely shows; test/integration/faces/dominant-face.test.ts runs it on real detections.
import test from 'node:test';
import assert from 'node:assert/strict';
import { chooseEnrolFace, chooseFace, DOMINANCE, edgeDistance, isAtEdge } from '../../../engine/recognition/dominant-face.ts';

const image = { width: 1000, height: 800 };
const face = (x: number, y: number, side: number, embedding = new Float32Array([0, 0])) => ({
  box: { x, y, width: side, height: side },
  embedding,
});

test('a face cut by the frame is at the edge; one well inside is not', () => {
  assert.ok(isAtEdge({ x: 0, y: 300, width: 100, height: 100 }, image));
  assert.ok(isAtEdge({ x: -30, y: 300, width: 100, height: 100 }, image), 'sticking out');
  assert.ok(isAtEdge({ x: 905, y: 300, width: 90, height: 90 }, image), '5 px from the right: 0.06 of its side');
  assert.ok(!isAtEdge({ x: 400, y: 300, width: 100, height: 100 }, image));
  assert.equal(edgeDistance({ x: 50, y: 300, width: 100, height: 100 }, image), 0.5);
});

test('the dominant face: at least twice the area of every other face inside the frame', () => {
  const main = face(400, 200, 200);
  const behind = face(100, 100, 140); // 0.49 of the area
  const choice = chooseFace([behind, main], image);
  assert.ok(choice.chosen && choice.face === main && choice.how === 'dominant');
  const close = face(100, 100, 150); // 0.56 of the area: not clearly smaller
  const none = chooseFace([close, main], image);
  assert.ok(!none.chosen && none.reason === 'no-dominant-face');
  assert.ok(!none.chosen && /face 1 is not clearly larger than face 0 \(1\.8 times its area; 2 needed\)/.test(none.why));
  assert.ok(chooseFace([close, main], image, { ...DOMINANCE, minAreaRatio: 1.5 }).chosen, 'the ratio is a parameter');
});

test('faces cut by the frame are bystanders, unless one is at least as large as the face inside', () => {
  const main = face(400, 200, 200);
  const cutSmaller = face(0, 200, 180); // at the edge, 0.81 of the area
  const chosen = chooseFace([cutSmaller, main], image);
  assert.ok(chosen.chosen && chosen.face === main);
  const cutLarger = face(0, 100, 260);
  const none = chooseFace([cutLarger, main], image);
  assert.ok(!none.chosen && /face 0, at the edge of the photo, is as large as face 1/.test(none.why));
  const allCut = chooseFace([face(0, 0, 100), face(900, 0, 100)], image);
  assert.ok(!allCut.chosen && /every face is cut by the edge/.test(allCut.why));
  const alone = chooseFace([face(0, 0, 100)], image);
  assert.ok(alone.chosen && alone.how === 'only', 'a single face is taken even at the edge');
});

test('with evidence: the dominant face must be within the threshold; without a dominant face, the one that is', () => {
  const person = [new Float32Array([1, 0])];
  const main = face(400, 200, 200, new Float32Array([1, 0.3])); // 0.3 from the person
  const behind = face(100, 100, 100, new Float32Array([0, 1]));
  assert.ok(chooseEnrolFace([behind, main], image, person, 0.6).chosen);
  const stranger = face(400, 200, 200, new Float32Array([-1, 0])); // 2 away
  const refused = chooseEnrolFace([behind, stranger], image, person, 0.6);
  assert.ok(!refused.chosen && refused.reason === 'not-same-person' && refused.distance === 2 && refused.dominant === stranger);
  // Two faces of a size: exactly one like the person → that one; two alike → skipped.
  const a = face(100, 200, 200, new Float32Array([1, 0.1]));
  const b = face(600, 200, 200, new Float32Array([0, -1]));
  const matched = chooseEnrolFace([a, b], image, person, 0.6);
  assert.ok(matched.chosen && matched.face === a && matched.how === 'matched');
  const twin = face(600, 200, 200, new Float32Array([1, -0.1]));
  const ambiguous = chooseEnrolFace([a, twin], image, person, 0.6);
  assert.ok(!ambiguous.chosen && ambiguous.reason === 'several-faces' && /2 of them look like/.test(ambiguous.why));
  const noEvidence = chooseEnrolFace([a, b], image, [], 0.6);
  assert.ok(!noEvidence.chosen && noEvidence.reason === 'several-faces');
  assert.ok(!chooseEnrolFace([], image, person, 0.6).chosen);
});
