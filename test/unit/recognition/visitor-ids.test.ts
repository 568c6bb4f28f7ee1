// The rule that keeps a visitor's number while the unknown faces are clustered again from scratch
// (engine/recognition/visitor-ids.ts), on its own and with the real clustering over embeddings.
import test from 'node:test';
import assert from 'node:assert/strict';
import { groupVisitorFaces, keepVisitorIds } from '../../../engine/recognition/visitor-ids.ts';

test('a group that only gained faces keeps its visitor; a group of new faces gets none', () => {
  assert.deepEqual(keepVisitorIds([3, 3, 5, null, null], [[0, 1, 3], [2], [4]]), [3, 5, null]);
});

test('two visitors bridged into one group: the one it shares more faces with stays, the other number goes', () => {
  assert.deepEqual(keepVisitorIds([7, 2, 2, null], [[0, 1, 2, 3]]), [2]);
  // Equal shares: the older visitor (lower id) stays.
  assert.deepEqual(keepVisitorIds([7, 7, 4, 4, null], [[0, 1, 2, 3, 4]]), [4]);
});

test('a visitor split in two: the larger part keeps the number, the other part is a new visitor', () => {
  assert.deepEqual(
    keepVisitorIds(
      [1, 1, 1, 1, 1],
      [
        [0, 4],
        [1, 2, 3],
      ],
    ),
    [null, 1],
  );
  // Equal parts: the part holding the older face keeps it.
  assert.deepEqual(
    keepVisitorIds(
      [1, 1, 1, 1],
      [
        [1, 3],
        [0, 2],
      ],
    ),
    [null, 1],
  );
});

test('each visitor goes to one group at most, each group has one visitor at most', () => {
  const ids = keepVisitorIds(
    [1, 1, 2, 2, 3],
    [
      [0, 2],
      [1, 3, 4],
    ],
  );
  assert.equal(new Set(ids.filter((id) => id !== null)).size, ids.filter((id) => id !== null).length);
  assert.deepEqual(ids, [1, 2]);
});

/** Seeded points: `people` centres ≈ 1.0 apart, faces scattered ≈ 0.2 around them (like dlib embeddings). */
function synthetic(seed: number, people: number, perPerson: number): { person: number; embedding: Float32Array }[] {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const vector = (scale: number) => {
    const v = Float32Array.from({ length: 128 }, random);
    const norm = Math.hypot(...v);
    return v.map((x) => (x / norm) * scale);
  };
  const centres = Array.from({ length: people }, () => vector(0.7));
  return Array.from({ length: people * perPerson }, (_, i) => {
    const person = i % people;
    const noise = vector(0.15);
    return { person, embedding: (centres[person] as Float32Array).map((x, d) => x + (noise[d] as number)) };
  });
}

/** Feeds the faces one by one as the kiosk would; returns each face's visitor when it arrived and at the end. */
function arrive(faces: { embedding: Float32Array }[], fullUpTo?: number): { onArrival: number[]; final: number[] } {
  let stored: { visitorId: number | null; embedding: Float32Array }[] = [];
  let next = 1;
  const onArrival: number[] = [];
  for (const face of faces) {
    const input = [...stored, { visitorId: null, embedding: face.embedding }];
    const visitorOf: number[] = [];
    for (const group of groupVisitorFaces(input, { fullUpTo })) {
      const id = group.visitorId ?? next++;
      for (const i of group.members) visitorOf[i] = id;
    }
    stored = input.map((f, i) => ({ ...f, visitorId: visitorOf[i] ?? null }));
    onArrival.push(visitorOf[input.length - 1] as number);
  }
  return { onArrival, final: stored.map((f) => f.visitorId as number) };
}

for (const [how, fullUpTo] of [
  ['all faces clustered again', undefined],
  ['only the part a new face can change', 0],
] as const) {
  test(`faces arriving one by one (${how}): each person keeps the number they were first given`, () => {
    const faces = synthetic(42, 4, 6);
    const { onArrival, final } = arrive(faces, fullUpTo);
    const firstNumber = new Map<number, number>();
    faces.forEach((face, i) => {
      if (!firstNumber.has(face.person)) firstNumber.set(face.person, onArrival[i] as number);
      assert.equal(onArrival[i], firstNumber.get(face.person), `person ${face.person} keeps their number`);
      assert.equal(final[i], firstNumber.get(face.person));
    });
    assert.deepEqual([...firstNumber.values()], [1, 2, 3, 4], 'one number per person, none wasted');
  });
}

test('the local regrouping leaves far visitors alone and agrees with the full one here', () => {
  const faces = synthetic(9, 6, 5);
  assert.deepEqual(arrive(faces, 0), arrive(faces));
  const stored = faces.map((f, i) => ({ visitorId: i < 29 ? 1 + (i % 6) : null, embedding: f.embedding }));
  const plan = groupVisitorFaces(stored, { fullUpTo: 0 });
  // The new face (person 5's) joins visitor 6; the five other visitors come back as they were.
  assert.deepEqual(plan.find((g) => g.members.includes(29))?.visitorId, 6);
  for (let v = 1; v <= 5; v++) {
    assert.deepEqual(
      plan.find((g) => g.visitorId === v)?.members,
      stored.flatMap((f, i) => (f.visitorId === v ? [i] : [])),
    );
  }
});

test('the same faces give the same plan', () => {
  const input = synthetic(7, 3, 4).map((f, i) => ({ visitorId: i < 6 ? 1 + (i % 3) : null, embedding: f.embedding }));
  assert.deepEqual(groupVisitorFaces(input), groupVisitorFaces(input));
});
