// Test and bench helper. CompreFace's group photos with their nose points (faces.csv), scoring of a
// detector's boxes against them, and "large photos": 2 × 2 mosaics of the group photos, where the faces
// keep their pixel size but the photo is twice as wide (a one-pass detector on a downscaled copy loses them).
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { decodeImageFile, type RgbImage } from '../../engine/image.ts';
import type { Box, Point } from '../../engine/faces/geometry.ts';
import { COMPREFACE } from './fixtures.ts';

export interface GroupPhoto {
  name: string;
  image: RgbImage;
  noses: Point[];
}

/** The group photos of faces.csv (path `groups/…`), decoded, with their nose points. */
export async function groupPhotos(dir = COMPREFACE): Promise<GroupPhoto[]> {
  const rows = fs.readFileSync(path.join(dir, 'faces.csv'), 'utf8').trim().split('\n').slice(1);
  const out: GroupPhoto[] = [];
  for (const row of rows) {
    const [file = '', count = '0', noses = ''] = row.split(',');
    if (!file.startsWith('groups/')) continue;
    const points = noses
      .split(';')
      .filter(Boolean)
      .map((xy) => {
        const [x = 0, y = 0] = xy.trim().split(/\s+/).map(Number);
        return { x, y };
      });
    if (points.length !== Number(count)) throw new Error(`faces.csv: ${file} has ${count} faces but ${points.length} nose points`);
    out.push({ name: path.basename(file), image: await decodeImageFile(path.join(dir, file)), noses: points });
  }
  return out;
}

/** Photos side by side, two a row (grey where they do not fill the grid), with their nose points moved. */
export async function mosaic(photos: readonly GroupPhoto[]): Promise<GroupPhoto> {
  const cell = { width: Math.max(...photos.map((p) => p.image.width)), height: Math.max(...photos.map((p) => p.image.height)) };
  const rows = Math.ceil(photos.length / 2);
  const width = cell.width * 2;
  const height = cell.height * rows;
  const at = photos.map((_, i) => ({ left: (i % 2) * cell.width, top: Math.floor(i / 2) * cell.height }));
  const data = await sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .composite(
      photos.map((p, i) => ({
        input: p.image.data,
        raw: { width: p.image.width, height: p.image.height, channels: 3 as const },
        left: at[i]?.left ?? 0,
        top: at[i]?.top ?? 0,
      })),
    )
    .removeAlpha()
    .raw()
    .toBuffer();
  const noses = photos.flatMap((p, i) => p.noses.map((n) => ({ x: n.x + (at[i]?.left ?? 0), y: n.y + (at[i]?.top ?? 0) })));
  return { name: `mosaic of ${photos.map((p) => p.name).join(' ')}`, image: { width, height, data }, noses };
}

/**
 * Matches boxes to nose points one to one (a box holds the nose point, the box nearest the point wins):
 * found = nose points with a box; false = boxes holding no unmatched nose point.
 */
export function score(boxes: readonly Box[], noses: readonly Point[]): { found: number; falseDetections: number; sizes: number[] } {
  const free = new Set(boxes.map((_, i) => i));
  let found = 0;
  const sizes: number[] = [];
  for (const nose of noses) {
    let best = -1;
    let bestDistance = Infinity;
    for (const i of free) {
      const b = boxes[i];
      if (!b || nose.x < b.x || nose.x > b.x + b.width || nose.y < b.y || nose.y > b.y + b.height) continue;
      const d = Math.hypot(b.x + b.width / 2 - nose.x, b.y + b.height / 2 - nose.y);
      if (d < bestDistance) [best, bestDistance] = [i, d];
    }
    if (best >= 0) {
      free.delete(best);
      found++;
      const b = boxes[best];
      if (b) sizes.push(Math.sqrt(b.width * b.height));
    }
  }
  return { found, falseDetections: free.size, sizes };
}
