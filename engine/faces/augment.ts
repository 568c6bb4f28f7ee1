// Runs in the engine process. Several views of one face averaged into one embedding (dlib's num_jitters):
// a face enrolled this way sits nearer the centre of its person's embeddings. Costs one descriptor pass
// per view, so it is for enrolment, never for live frames.
import type { RgbImage } from '../image.ts';
import { chipToSource, cutChip, type ChipSpec } from './chip.ts';
import { mulberry32 } from '../style/rng.ts';

export interface Views {
  /** The chip as cut, mirrored left to right. */
  mirror: boolean;
  /** Randomly shifted, scaled and turned copies (dlib's jitter_image), each mirrored half the time. */
  jitters: number;
}

/** The image mirrored left to right. */
export function mirrorImage(image: RgbImage): RgbImage {
  const { width, height, data } = image;
  const out = Buffer.alloc(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (y * width + x) * 3;
      const to = (y * width + (width - 1 - x)) * 3;
      out[to] = data[from] ?? 0;
      out[to + 1] = data[from + 1] ?? 0;
      out[to + 2] = data[from + 2] ?? 0;
    }
  }
  return { width, height, data: out };
}

/**
 * dlib's jitter_image, in source pixels: the crop moves by up to 2 % of its side, is 0.97–1.0 of the
 * chip (less 3 px a side) and turns by up to 3°. Seeded, so an enrolment gives the same embedding twice.
 */
export function jitteredSpecs(spec: ChipSpec, count: number, seed = 1): { spec: ChipSpec; mirror: boolean }[] {
  const random = mulberry32(seed);
  const between = (lo: number, hi: number) => lo + (hi - lo) * random();
  const inner = spec.size - 6;
  return Array.from({ length: count }, () => {
    const shift = { x: between(-0.02, 0.02) * inner, y: between(-0.02, 0.02) * inner };
    const side = inner / between(0.97, 0.99999);
    const turn = (between(-3, 3) * Math.PI) / 180;
    const center = chipToSource({ x: spec.size / 2 + shift.x, y: spec.size / 2 + shift.y }, spec);
    return { spec: { ...spec, center, side: (side / spec.size) * spec.side, angle: spec.angle + turn }, mirror: random() > 0.5 };
  });
}

/** The chips of every view after the first (the chip as cut, which the caller already has). */
export async function extraViews(image: RgbImage, spec: ChipSpec, chip: RgbImage, views: Views): Promise<RgbImage[]> {
  const out: RgbImage[] = [];
  if (views.mirror) out.push(mirrorImage(chip));
  for (const jitter of jitteredSpecs(spec, views.jitters)) {
    const cut = await cutChip(image, jitter.spec);
    out.push(jitter.mirror ? mirrorImage(cut) : cut);
  }
  return out;
}

/** The element-wise mean of embeddings (dlib averages its jittered descriptors the same way). */
export function meanEmbedding(embeddings: readonly Float32Array[]): Float32Array {
  const first = embeddings[0];
  if (!first) return new Float32Array(0);
  const mean = new Float32Array(first.length);
  for (const e of embeddings) for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] ?? 0) + (e[i] ?? 0) / embeddings.length;
  return mean;
}
