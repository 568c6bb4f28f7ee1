// Runs anywhere. Synthetic face embeddings that cluster per identity like dlib's 128-D descriptor,
// for measuring search at sizes no photo collection here has (facekit bench search, tests).
//
// Identity centres: unit vectors around one shared direction, spread over a spectrum that decays as
// (k+1)^-0.5 across dimensions — real descriptors are not isotropic, and uniformly spread random
// centres are an unrealistically hard (and easy to misjudge) case for any approximate index.
// Samples: the centre plus isotropic Gaussian noise of a per-sample strength in [0.2, 0.36], then
// normalised. Measured: same identity 0.30–0.46 apart (5th–95th percentile, median 0.38), different
// identities 0.85–1.23 (median 1.01; 1 % below 0.79); dlib's threshold is 0.6.
import { expectDefined } from '../../api/errors.ts';
import { mulberry32 } from '../style/rng.ts';

const SPECTRUM_DECAY = 0.5;
const NOISE_MIN = 0.2;
const NOISE_RANGE = 0.16;

/** Standard normal deviates (Box–Muller) from a uniform source. */
function gaussian(next: () => number): () => number {
  return () => {
    let u = next();
    while (u === 0) u = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
}

// The per-element loops below read with expectDefined: as fast as unchecked reads (measured; V8 drops the
// check after its own bounds check), while for-of, map() and Float32Array.from() measured 15–100 % slower,
// and filling a large synthetic store makes millions of faces.

/** Scales `v` to length 1, in place. */
function normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] = expectDefined(v[i], 'an embedding element') / norm;
  return v;
}

/** A seed for one (identity, sample) stream, so any face can be regenerated without storing it. */
function streamSeed(seed: number, identity: number, sample: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(identity + 1, 0xc2b2ae35) ^ Math.imul(sample + 1, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class SyntheticFaces {
  readonly dim: number;
  readonly #seed: number;
  readonly #mean: Float32Array;
  /** Per-dimension standard deviation of the centres, mean square 1/dim. */
  readonly #scale: Float32Array;
  /** Length of every face (1 unless centred on a real embedding). */
  readonly #length: number;

  /**
   * `around`: a real embedding to centre the population on (its direction and length), so synthetic
   * faces surround real ones instead of sitting in another part of the space.
   */
  constructor(options: { seed?: number; dim?: number; around?: Float32Array } = {}) {
    this.dim = options.around?.length ?? options.dim ?? 128;
    this.#seed = options.seed ?? 1;
    const normal = gaussian(mulberry32(streamSeed(this.#seed, -1, -1)));
    this.#mean = normalise(options.around ? Float32Array.from(options.around) : Float32Array.from({ length: this.dim }, normal));
    this.#length = options.around ? Math.hypot(...options.around) : 1;
    const weights = Array.from({ length: this.dim }, (_, k) => (k + 1) ** -SPECTRUM_DECAY);
    const meanSquare = weights.reduce((s, w) => s + w * w, 0) / this.dim;
    this.#scale = Float32Array.from(weights, (w) => w / Math.sqrt(meanSquare * this.dim));
  }

  /** The identity's centre (not itself a face). Identities are numbered from 0; any number is valid. */
  centre(identity: number): Float32Array {
    const normal = gaussian(mulberry32(streamSeed(this.#seed, identity, -1)));
    const c = new Float32Array(this.dim);
    // #mean and #scale are both `dim` long (constructor).
    for (let k = 0; k < this.dim; k++)
      c[k] = expectDefined(this.#mean[k], 'a mean element') + expectDefined(this.#scale[k], 'a centre spread') * normal();
    return normalise(c);
  }

  /** Face number `sample` of the identity: same arguments, same embedding. */
  face(identity: number, sample: number, centre = this.centre(identity)): Float32Array {
    const next = mulberry32(streamSeed(this.#seed, identity, sample));
    const noise = (NOISE_MIN + NOISE_RANGE * next()) / Math.sqrt(this.dim);
    const normal = gaussian(next);
    const v = new Float32Array(this.dim);
    for (let k = 0; k < this.dim; k++) v[k] = expectDefined(centre[k], 'a centre element') + noise * normal();
    normalise(v);
    for (let k = 0; k < this.dim; k++) v[k] = expectDefined(v[k], 'an embedding element') * this.#length;
    return v;
  }
}
