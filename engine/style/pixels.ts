// Runs in the engine process. RgbImage ↔ tensors and exact-size resizing for the style engine.
import sharp from 'sharp';
import { tf } from '../runtime/tf.ts';
import type { Tensor4D } from '../runtime/tf.ts';
import type { RgbImage } from '../image.ts';

/** Resizes to exactly width × height (sharp's Lanczos: no aliasing when shrinking big photos). */
export async function resizeRgb(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (image.width === width && image.height === height) return image;
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { width, height, data };
}

/** Resizes so the longer side is `side`, keeping the aspect ratio. */
export function resizeLonger(image: RgbImage, side: number): Promise<RgbImage> {
  const scale = side / Math.max(image.width, image.height);
  return resizeRgb(image, Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale)));
}

/** [1, H, W, 3] float32 in 0…255. */
export function rgbToTensor(image: RgbImage): Tensor4D {
  return tf.tensor4d(Float32Array.from(image.data), [1, image.height, image.width, 3]);
}
