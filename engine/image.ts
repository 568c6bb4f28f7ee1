// Runs in the engine process. Decodes image files into 8-bit RGB pixels with limits and clear errors.
import fs from 'node:fs/promises';
import crypto from 'node:crypto';
import sharp from 'sharp';
import type { Metadata } from 'sharp';
import { FaceKitError } from '../api/errors.ts';

/** 8-bit RGB pixels, row-major, EXIF orientation already applied. */
export interface RgbImage {
  width: number;
  height: number;
  data: Buffer;
}

export interface DecodedImage extends RgbImage {
  /** What to call the image in messages: a path, or a label for in-memory frames. */
  source: string;
  /** SHA-256 of the encoded bytes: the same photo imported twice has the same hash. */
  sha256: string;
  format: string;
}

/** Larger than any phone camera; 30 000 × 30 000 (900 MP) would need 2.7 GB just for its pixels. */
export const MAX_PIXELS = 120_000_000;
export const MAX_FILE_BYTES = 256 * 1024 * 1024;
const SUPPORTED = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif'];

/** The decoder's first line; sharp's wrapper "Input buffer has corrupt header: " (at times with nothing after it) is shortened. */
function firstLine(error: unknown): string {
  const [line = ''] = (error instanceof Error ? error.message : String(error)).split('\n', 1); // split yields at least one
  return line.replace(/^Input buffer has corrupt header:\s*(.*?)[\s:]*$/, (_, detail: string) =>
    detail ? `corrupt header: ${detail}` : 'corrupt header',
  );
}

async function readImageFile(file: string): Promise<Buffer> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FaceKitError('BAD_INPUT', code === 'ENOENT' ? 'file not found' : `cannot read (${code})`, file);
  }
  if (stat.isDirectory()) throw new FaceKitError('BAD_INPUT', 'is a directory, not an image file', file);
  if (!stat.isFile()) throw new FaceKitError('BAD_INPUT', 'is not a regular file', file);
  if (stat.size === 0) throw new FaceKitError('BAD_INPUT', 'empty file (0 bytes)', file);
  if (stat.size > MAX_FILE_BYTES) {
    throw new FaceKitError(
      'BAD_INPUT',
      `file is ${(stat.size / 2 ** 20).toFixed(0)} MiB; the limit is ${MAX_FILE_BYTES / 2 ** 20} MiB`,
      file,
    );
  }
  try {
    return await fs.readFile(file);
  } catch (error) {
    throw new FaceKitError('BAD_INPUT', `cannot read (${(error as NodeJS.ErrnoException).code})`, file);
  }
}

/** Decodes a file (JPEG, PNG, WebP, GIF, TIFF, AVIF/HEIF) to 8-bit RGB, or throws a FaceKitError naming it. */
export async function decodeImageFile(file: string): Promise<DecodedImage> {
  return decodeImageBuffer(await readImageFile(file), file);
}

export async function decodeImageBuffer(bytes: Buffer, source: string): Promise<DecodedImage> {
  if (bytes.length === 0) throw new FaceKitError('BAD_INPUT', 'empty file (0 bytes)', source);
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata(); // header only; our own limit follows
  } catch (error) {
    const reason = firstLine(error);
    if (/premature|corrupt|truncat/i.test(reason)) {
      throw new FaceKitError('BAD_INPUT', `image data is truncated or corrupt (${reason})`, source);
    }
    throw new FaceKitError('BAD_INPUT', `not a supported image (expected ${SUPPORTED.join(', ')})`, source);
  }
  if (!meta.format || !SUPPORTED.includes(meta.format) || !meta.width || !meta.height) {
    throw new FaceKitError('BAD_INPUT', `not a supported image (format ${meta.format ?? 'unknown'})`, source);
  }
  const pixels = meta.width * meta.height;
  if (pixels > MAX_PIXELS) {
    throw new FaceKitError(
      'BAD_INPUT',
      `image is ${meta.width} × ${meta.height} pixels (${(pixels / 1e6).toFixed(0)} MP); the limit is ${MAX_PIXELS / 1e6} MP`,
      source,
    );
  }
  try {
    // failOn 'truncated' rejects cut-off files instead of returning half-grey pictures.
    const { data, info } = await sharp(bytes, { failOn: 'truncated', limitInputPixels: MAX_PIXELS })
      .rotate() // apply EXIF orientation
      .flatten({ background: '#ffffff' }) // alpha over white
      .toColourspace('srgb') // greyscale and CMYK become RGB
      .removeAlpha()
      .raw({ depth: 'uchar' }) // 16-bit becomes 8-bit
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    return { source, sha256, format: meta.format, width: info.width, height: info.height, data };
  } catch (error) {
    const reason = firstLine(error);
    const truncated = /premature|truncat|end of|corrupt|invalid|unexpected/i.test(reason);
    throw new FaceKitError(
      'BAD_INPUT',
      truncated ? `image data is truncated or corrupt (${reason})` : `cannot decode image (${reason})`,
      source,
    );
  }
}

/** Scales an RGB image so that its longer side is at most `maxSide`; returns it unchanged when smaller. */
export async function fitWithin(image: RgbImage, maxSide: number): Promise<{ image: RgbImage; scale: number }> {
  const longer = Math.max(image.width, image.height);
  if (longer <= maxSide) return { image, scale: 1 };
  const scale = maxSide / longer;
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { image: { width, height, data }, scale: width / image.width };
}

/** A copy scaled by `factor` (< 1 shrinks; Lanczos), as a smaller photo of the same scene would be. */
export async function scaleImage(image: RgbImage, factor: number): Promise<RgbImage> {
  const width = Math.max(1, Math.round(image.width * factor));
  const height = Math.max(1, Math.round(image.height * factor));
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { width, height, data };
}

/** A copy blurred by a Gaussian of `sigma` pixels (out of focus, or moving). */
export async function blurImage(image: RgbImage, sigma: number): Promise<RgbImage> {
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .blur(sigma)
    .raw()
    .toBuffer();
  return { width: image.width, height: image.height, data };
}

/** Pads every side by `pad` pixels of mid grey: detectors miss faces that touch the frame edges. */
export async function padImage(image: RgbImage, pad: number): Promise<RgbImage> {
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extend({ top: pad, bottom: pad, left: pad, right: pad, background: { r: 128, g: 128, b: 128 } })
    .raw()
    .toBuffer();
  return { width: image.width + 2 * pad, height: image.height + 2 * pad, data };
}

/** Encodes RGB pixels as PNG or JPEG (chosen by the extension of `file`) and writes them. */
export async function writeImageFile(image: RgbImage, file: string): Promise<void> {
  const pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  const lower = file.toLowerCase();
  if (lower.endsWith('.jpg') || lower.endsWith('.jpeg')) await pipeline.jpeg({ quality: 92 }).toFile(file);
  else if (lower.endsWith('.webp')) await pipeline.webp({ quality: 92 }).toFile(file);
  else await pipeline.png().toFile(file);
}
