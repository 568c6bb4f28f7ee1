// Runs anywhere. A small seeded PRNG (mulberry32) so that noise initialisation is reproducible:
// Math.random cannot be seeded, and tf.randomUniform's seeding differs between backends.

/** Returns a function yielding uniform floats in [0, 1); same seed → same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` floats uniform in [−range, range). */
export function uniformNoise(count: number, range: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (next() * 2 - 1) * range;
  return out;
}
