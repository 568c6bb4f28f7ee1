// Runs in the engine process. Cuts square, optionally rotated, face chips out of full-resolution RGB
// pixels: the detector works on a downscaled copy, but landmarks and embeddings see every pixel.
import sharp from 'sharp';
import { expectDefined } from '../../api/errors.ts';
import type { RgbImage } from '../image.ts';
import type { Point } from './geometry.ts';

export interface ChipSpec {
  /** Centre of the chip in source pixels. */
  center: Point;
  /** Side of the square region in source pixels. */
  side: number;
  /** Rotation of the region in radians (positive: the region is turned clockwise in the image). */
  angle: number;
  /** Output side in pixels. */
  size: number;
}

const FILL = 128; // outside the photo: mid grey, as the detector padding uses

/**
 * Samples the region with bilinear interpolation. A region much larger than the output is first
 * shrunk by sharp (proper antialiasing), so bilinear only ever works on a scale change of at most 2.
 */
export async function cutChip(image: RgbImage, spec: ChipSpec): Promise<RgbImage> {
  const { source, center, side } = await prefilter(image, spec);
  return warp(source, { ...spec, center, side });
}

async function prefilter(image: RgbImage, spec: ChipSpec): Promise<{ source: RgbImage; center: Point; side: number }> {
  const shrink = spec.side / (2 * spec.size);
  if (shrink <= 1) return { source: image, center: spec.center, side: spec.side };
  // The rotated square fits in a circle of radius side/√2: take that bounding square, clamped to the image.
  const half = Math.ceil((spec.side * Math.SQRT2) / 2) + 2;
  const left = Math.max(0, Math.floor(spec.center.x - half));
  const top = Math.max(0, Math.floor(spec.center.y - half));
  const right = Math.min(image.width, Math.ceil(spec.center.x + half));
  const bottom = Math.min(image.height, Math.ceil(spec.center.y + half));
  if (right - left < 2 || bottom - top < 2) return { source: image, center: spec.center, side: spec.side };
  const width = Math.max(1, Math.round((right - left) / shrink));
  const height = Math.max(1, Math.round((bottom - top) / shrink));
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left, top, width: right - left, height: bottom - top })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  const sx = width / (right - left);
  const sy = height / (bottom - top);
  return {
    source: { width, height, data },
    center: { x: (spec.center.x - left) * sx, y: (spec.center.y - top) * sy },
    side: spec.side * sx,
  };
}

function warp(image: RgbImage, spec: ChipSpec): RgbImage {
  const { size, side, center } = spec;
  const out = Buffer.alloc(size * size * 3);
  const step = side / size;
  const cos = Math.cos(spec.angle);
  const sin = Math.sin(spec.angle);
  const { width, height, data } = image;
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const dx = (u + 0.5 - size / 2) * step;
      const dy = (v + 0.5 - size / 2) * step;
      const sx = center.x + dx * cos - dy * sin - 0.5;
      const sy = center.y + dx * sin + dy * cos - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const o = (v * size + u) * 3;
      for (let c = 0; c < 3; c++) {
        const at = (x: number, y: number) =>
          x < 0 || y < 0 || x >= width || y >= height ? FILL : expectDefined(data[(y * width + x) * 3 + c], 'a source pixel');
        const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
        const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
        out[o + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { width: size, height: size, data: out };
}

/** Maps a point in chip pixels back to source pixels (the inverse of the sampling in `warp`). */
export function chipToSource(p: Point, spec: ChipSpec): Point {
  const step = spec.side / spec.size;
  const dx = (p.x - spec.size / 2) * step;
  const dy = (p.y - spec.size / 2) * step;
  const cos = Math.cos(spec.angle);
  const sin = Math.sin(spec.angle);
  return { x: spec.center.x + dx * cos - dy * sin, y: spec.center.y + dx * sin + dy * cos };
}
