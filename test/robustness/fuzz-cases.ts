// Test-only. Hostile image files made from real fixture photos with a seeded PRNG: truncated,
// bit-flipped, wrong magic, huge declared dimensions, zero bytes, random bytes behind a valid magic.
// Case i of a run is a pure function of (seed images, base seed, i), so a failure names its seed.
import sharp from 'sharp';
import { mulberry32 } from '../../engine/style/rng.ts';
import { at } from '../helpers/assert.ts';
import { photo } from '../helpers/fixtures.ts';

export type SeedFormat = 'jpeg' | 'png' | 'webp';

export interface SeedImage {
  label: string;
  format: SeedFormat;
  bytes: Buffer;
}

export interface FuzzCase {
  index: number;
  seed: number;
  kind: string;
  /** The seed image it was made from. */
  from: string;
  /** What the decoder is told the input is called; every error must start with it. */
  name: string;
  detail: string;
  bytes: Buffer;
}

const MAGIC: Record<SeedFormat | 'gif' | 'tiff', Buffer> = {
  jpeg: Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
  png: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  webp: Buffer.from('RIFF\x00\x10\x00\x00WEBPVP8 ', 'latin1'),
  gif: Buffer.from('GIF89a', 'latin1'),
  tiff: Buffer.from([0x49, 0x49, 0x2a, 0x00]),
};

/** Small real photos in each format (small so that the detector's share of the run stays short). */
export async function makeSeedImages(): Promise<SeedImage[]> {
  const portrait = sharp(photo.obama2).resize(240);
  const rgba = sharp(photo.obamaRgba).resize(200);
  return [
    { label: 'jpeg-baseline', format: 'jpeg', bytes: await portrait.clone().jpeg({ quality: 80 }).toBuffer() },
    { label: 'jpeg-progressive', format: 'jpeg', bytes: await portrait.clone().jpeg({ quality: 80, progressive: true }).toBuffer() },
    { label: 'png-rgba', format: 'png', bytes: await rgba.clone().png().toBuffer() },
    { label: 'png-rgb', format: 'png', bytes: await portrait.clone().png({ compressionLevel: 9 }).toBuffer() },
    { label: 'webp-lossy', format: 'webp', bytes: await portrait.clone().webp({ quality: 80 }).toBuffer() },
    { label: 'webp-lossless', format: 'webp', bytes: await rgba.clone().webp({ lossless: true }).toBuffer() },
  ];
}

// ---- format surgery ----

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = at(CRC_TABLE, (c ^ b) & 0xff, 'the CRC table entry') ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** PNG with IHDR claiming width × height, CRC recomputed so the decoder believes it. */
export function pngWithSize(png: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  if (out.toString('latin1', 12, 16) !== 'IHDR') throw new Error('seed PNG does not start with IHDR');
  out.writeUInt32BE(width >>> 0, 16);
  out.writeUInt32BE(height >>> 0, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

/** JPEG whose frame header (SOF0–SOF2) claims width × height (16 bits each). */
export function jpegWithSize(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  let at = 2;
  while (at < out.length - 9 && out[at] === 0xff) {
    const marker = out.readUInt8(at + 1);
    if (marker >= 0xc0 && marker <= 0xc2) {
      out.writeUInt16BE(height, at + 5);
      out.writeUInt16BE(width, at + 7);
      return out;
    }
    at += 2 + out.readUInt16BE(at + 2);
  }
  throw new Error('no SOF marker in the seed JPEG');
}

/** WebP with a VP8X header (added, or the existing one changed) declaring a canvas of width × height (24 bits each). */
export function webpWithCanvas(webp: Buffer, width: number, height: number): Buffer {
  const vp8x = Buffer.alloc(18);
  vp8x.write('VP8X', 0, 'latin1');
  vp8x.writeUInt32LE(10, 4);
  vp8x.writeUIntLE(Math.min(width - 1, 0xffffff), 12, 3);
  vp8x.writeUIntLE(Math.min(height - 1, 0xffffff), 15, 3);
  const hasVp8x = webp.toString('latin1', 12, 16) === 'VP8X';
  if (hasVp8x) vp8x[8] = webp.readUInt8(20); // keep the feature flags
  const rest = webp.subarray(hasVp8x ? 30 : 12);
  const out = Buffer.concat([webp.subarray(0, 12), vp8x, rest]);
  out.writeUInt32LE(out.length - 8, 4);
  return out;
}

/** Lossy WebP whose VP8 frame header claims the largest size it can hold (16383 × 16383). */
export function webpFrameMaxSize(webp: Buffer): Buffer {
  const out = Buffer.from(webp);
  const start = out.indexOf(Buffer.from([0x9d, 0x01, 0x2a]));
  if (start < 0) throw new Error('no VP8 key frame in the seed WebP');
  out.writeUInt16LE(0x3fff, start + 3);
  out.writeUInt16LE(0x3fff, start + 5);
  return out;
}

// ---- mutations ----

type Rng = () => number;
const int = (rng: Rng, below: number) => Math.floor(rng() * below);
const pick = <T>(rng: Rng, items: readonly T[]): T => at(items, int(rng, items.length), 'the item picked');
const randomBytes = (rng: Rng, n: number) => Buffer.from(Array.from({ length: n }, () => int(rng, 256)));

function flipBits(bytes: Buffer, rng: Rng, flips: number, within = bytes.length): Buffer {
  const out = Buffer.from(bytes);
  for (let k = 0; k < flips; k++) {
    const at = int(rng, Math.min(within, out.length));
    out[at] = out.readUInt8(at) ^ (1 << int(rng, 8));
  }
  return out;
}

const HUGE_SIZES: Record<SeedFormat, readonly [number, number][]> = {
  // 60000² is 3.6 GP; 10000² (100 MP) passes the 120 MP limit and must fail on the missing data instead.
  png: [
    [60000, 60000],
    [60000, 1],
    [1, 60000],
    [10000, 10000],
    [0, 0],
    [0x7fffffff, 0x7fffffff],
  ],
  jpeg: [
    [60000, 60000],
    [65535, 65535],
    [60000, 1],
    [1, 60000],
    [10000, 10000],
    [0, 0],
  ],
  webp: [
    [60000, 60000],
    [0x1000000, 0x1000000],
    [10000, 10000],
    [60000, 1],
  ],
};

interface Mutated {
  bytes: Buffer;
  /** What was done, for the report of a failing case. */
  detail: string;
}

function hugeDimensions(seed: SeedImage, _rng: Rng, round: number): Mutated {
  const sizes = HUGE_SIZES[seed.format];
  const [width, height] = at(sizes, round % sizes.length, 'the claimed size'); // in turn, so that every size is tried
  const claim = `${width}×${height}`;
  if (seed.format === 'png') return { bytes: pngWithSize(seed.bytes, width, height), detail: `IHDR says ${claim}` };
  if (seed.format === 'jpeg') return { bytes: jpegWithSize(seed.bytes, width, height), detail: `SOF says ${claim}` };
  if (seed.label === 'webp-lossy' && round % 2 === 1) return { bytes: webpFrameMaxSize(seed.bytes), detail: 'VP8 frame says 16383×16383' };
  return { bytes: webpWithCanvas(seed.bytes, width, height), detail: `VP8X canvas says ${claim}` };
}

/** `round`: how many times this kind has been applied to this seed image before. */
const MUTATIONS = {
  truncated: (s, rng) => {
    const keep = 1 + int(rng, s.bytes.length - 1);
    return { bytes: s.bytes.subarray(0, keep), detail: `first ${keep} of ${s.bytes.length} bytes` };
  },
  'bit-flips': (s, rng) => {
    const flips = 1 + int(rng, 24);
    return { bytes: flipBits(s.bytes, rng, flips), detail: `${flips} bits flipped anywhere` };
  },
  'header-bit-flips': (s, rng) => {
    const flips = 1 + int(rng, 4);
    return { bytes: flipBits(s.bytes, rng, flips, 600), detail: `${flips} bits flipped in the first 600 bytes` };
  },
  'wrong-magic': (s, rng) => {
    const [format, magic] = pick(
      rng,
      Object.entries(MAGIC).filter(([f]) => f !== s.format),
    );
    return { bytes: Buffer.concat([magic, s.bytes.subarray(magic.length)]), detail: `${format} magic on ${s.format} data` };
  },
  'huge-dimensions': hugeDimensions,
  'zero-bytes': (_s, rng) => {
    const n = rng() < 0.3 ? 0 : 1 + int(rng, 4096);
    return { bytes: Buffer.alloc(n), detail: `${n} zero bytes` };
  },
  'random-after-magic': (s, rng) => {
    const n = 1 + int(rng, 8192);
    return { bytes: Buffer.concat([MAGIC[s.format], randomBytes(rng, n)]), detail: `${s.format} magic then ${n} random bytes` };
  },
  'header-then-random': (s, rng) => {
    const keep = 16 + int(rng, 400);
    const n = int(rng, 8192);
    return { bytes: Buffer.concat([s.bytes.subarray(0, keep), randomBytes(rng, n)]), detail: `first ${keep} bytes then ${n} random bytes` };
  },
  spliced: (s, rng) => {
    const at = int(rng, s.bytes.length);
    const cut = int(rng, 2048);
    const n = int(rng, 64);
    return {
      bytes: Buffer.concat([s.bytes.subarray(0, at), randomBytes(rng, n), s.bytes.subarray(at + cut)]),
      detail: `${cut} bytes at ${at} replaced by ${n} random bytes`,
    };
  },
  duplicated: (s, rng) => {
    const at = int(rng, s.bytes.length);
    const from = int(rng, at + 1);
    return {
      bytes: Buffer.concat([s.bytes.subarray(0, at), s.bytes.subarray(from), s.bytes.subarray(at)]),
      detail: `bytes ${from}… repeated at ${at}`,
    };
  },
} satisfies Record<string, (seed: SeedImage, rng: Rng, round: number) => Mutated>;

export const KINDS = Object.keys(MUTATIONS) as (keyof typeof MUTATIONS)[];

/**
 * Case `index` of the run with `baseSeed`. The first cases are the seed images unchanged (controls: a
 * run that never reaches the detector cannot pass); then kinds and seed images are taken in turn.
 */
export function makeCase(seeds: readonly SeedImage[], baseSeed: number, index: number): FuzzCase {
  const seed = (baseSeed + index * 7919) >>> 0;
  const rng = mulberry32(seed);
  const control = index < seeds.length;
  const n = index - seeds.length;
  const kind = control ? 'unchanged' : at(KINDS, n % KINDS.length, 'the mutation kind');
  const cycle = Math.floor(n / KINDS.length);
  const from = at(seeds, control ? index : cycle % seeds.length, 'the seed image');
  const ext = from.format === 'jpeg' ? 'jpg' : from.format;
  const round = Math.floor(cycle / seeds.length);
  const { bytes, detail } = kind === 'unchanged' ? { bytes: from.bytes, detail: 'unchanged' } : MUTATIONS[kind](from, rng, round);
  return { index, seed, kind, from: from.label, name: `fuzz-${index}-${kind}.${ext}`, detail, bytes };
}
