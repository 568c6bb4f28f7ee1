// Runs in the engine process. A small JPEG of one face, kept with its embedding so the app can show
// enrolled people without storing their whole photos.
import sharp from 'sharp';
import type { RgbImage } from '../image.ts';
import type { Box } from './geometry.ts';

const THUMBNAIL_SIDE = 128;
/** Room around the detector's tight box, so hair and chin show. */
const MARGIN = 0.35;

export async function faceThumbnail(image: RgbImage, box: Box): Promise<Uint8Array> {
  const side = Math.max(box.width, box.height) * (1 + 2 * MARGIN);
  const left = Math.max(0, Math.round(box.x + box.width / 2 - side / 2));
  const top = Math.max(0, Math.round(box.y + box.height / 2 - side / 2));
  const width = Math.max(1, Math.min(image.width - left, Math.round(side)));
  const height = Math.max(1, Math.min(image.height - top, Math.round(side)));
  const jpeg = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left, top, width, height })
    .resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'cover' })
    .jpeg({ quality: 82 })
    .toBuffer();
  return new Uint8Array(jpeg);
}
