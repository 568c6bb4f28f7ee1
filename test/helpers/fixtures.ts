// Test-only. Paths to the real photos in test/fixtures (sources and licences: test/fixtures/SOURCE.md),
// temporary folders, and the hostile files every image-reading command must refuse cleanly.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FACES = path.join(ROOT, 'test', 'fixtures', 'faces', 'face_recognition');
export const STYLE = path.join(ROOT, 'test', 'fixtures', 'style');
export const COMPREFACE = path.join(ROOT, 'test', 'fixtures', 'faces', 'compreface');

export const photo = {
  obama: path.join(FACES, 'test_images', 'obama.jpg'),
  obama2: path.join(FACES, 'test_images', 'obama2.jpg'),
  obama3: path.join(FACES, 'test_images', 'obama3.jpg'),
  obamaRgba: path.join(FACES, 'test_images', '32bit.png'),
  obamaPartial: path.join(FACES, 'test_images', 'obama_partial_face.jpg'),
  biden: path.join(FACES, 'test_images', 'biden.jpg'),
  biden2: path.join(FACES, 'knn_examples', 'train', 'biden', 'biden2.jpg'),
  obamaAndBiden: path.join(FACES, 'knn_examples', 'test', 'obama_and_biden.jpg'),
  kit: path.join(FACES, 'knn_examples', 'train', 'kit_harington', 'john1.jpeg'),
  kit2: path.join(FACES, 'knn_examples', 'train', 'kit_harington', 'john2.jpeg'),
  rose: path.join(FACES, 'knn_examples', 'train', 'rose_leslie', 'img1.jpg'),
  rose2: path.join(FACES, 'knn_examples', 'train', 'rose_leslie', 'img2.jpg'),
  kitWithRose: path.join(FACES, 'knn_examples', 'test', 'kit_with_rose.jpg'),
  noFace: path.join(STYLE, 'louvre_small.jpg'),
  /** Three people, faces of about the same size. */
  group3: path.join(COMPREFACE, 'groups', '011_3.jpg'),
} as const;

/**
 * A photo with a second, smaller face in the background: `inset` (cut to its face region and scaled)
 * pasted onto `main`, well inside the frame. Real faces, real detections; only the scene is made up.
 */
export async function backgroundFacePhoto(
  file: string,
  main: string,
  inset: { file: string; crop: { left: number; top: number; width: number; height: number }; scale: number; left: number; top: number },
): Promise<string> {
  const small = await sharp(inset.file)
    .extract(inset.crop)
    .resize(Math.round(inset.crop.width * inset.scale))
    .toBuffer();
  await sharp(main)
    .composite([{ input: small, left: inset.left, top: inset.top }])
    .jpeg({ quality: 92 })
    .toFile(file);
  return file;
}

/** Obama (face ≈ 226 × 310 px) with Biden small in the lower left (≈ 105 × 160 px): Obama's face dominates. */
export function obamaWithBidenBehind(file: string): Promise<string> {
  return backgroundFacePhoto(file, photo.obama, {
    file: photo.biden,
    crop: { left: 340, top: 60, width: 460, height: 600 },
    scale: 0.4,
    left: 40,
    top: 620,
  });
}

/** Biden (face ≈ 444 × 562 px) with Obama small in the lower left: Biden's face dominates, Obama is the bystander. */
export function bidenWithObamaBehind(file: string): Promise<string> {
  return backgroundFacePhoto(file, photo.biden2, {
    file: photo.obama,
    crop: { left: 300, top: 40, width: 380, height: 440 },
    scale: 0.5,
    left: 60,
    top: 700,
  });
}

export function tempDir(prefix = 'facekit-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A real JPEG whose frame header claims 30 000 × 30 000 pixels: what a decompression bomb looks like
 * to a decoder, in 300 kB.
 */
export function hugeDimensionsJpeg(file: string): string {
  const bytes = Buffer.from(fs.readFileSync(photo.obama));
  // Walk the marker segments (an EXIF thumbnail has a frame header of its own inside APP1).
  let at = 2;
  while (at < bytes.length - 9 && bytes[at] === 0xff) {
    const marker = bytes.readUInt8(at + 1);
    if (marker >= 0xc0 && marker <= 0xc2) {
      // frame header: FF Cn, length (2), precision (1), height (2), width (2)
      bytes.writeUInt16BE(30000, at + 5);
      bytes.writeUInt16BE(30000, at + 7);
      fs.writeFileSync(file, bytes);
      return file;
    }
    at += 2 + bytes.readUInt16BE(at + 2);
  }
  throw new Error('no SOF marker in the fixture');
}

/** The hostile inputs of issue #2, each with the words its error must contain. */
export function badImages(dir: string): { name: string; file: string; reason: RegExp }[] {
  const empty = path.join(dir, 'empty.jpg');
  fs.writeFileSync(empty, '');
  const text = path.join(dir, 'notes.jpg');
  fs.writeFileSync(text, 'this is a text file, not a photo\n');
  const truncated = path.join(dir, 'truncated.jpg');
  fs.writeFileSync(truncated, fs.readFileSync(photo.obama).subarray(0, 60_000));
  const folder = path.join(dir, 'a-folder.jpg');
  fs.mkdirSync(folder, { recursive: true });
  return [
    { name: 'missing file', file: path.join(dir, 'missing.jpg'), reason: /file not found/ },
    { name: 'empty file', file: empty, reason: /empty file/ },
    { name: 'text file named .jpg', file: text, reason: /not a supported image/ },
    { name: 'truncated JPEG', file: truncated, reason: /truncated or corrupt/ },
    { name: '30 000 × 30 000 image', file: hugeDimensionsJpeg(path.join(dir, 'huge.jpg')), reason: /30000 × 30000 pixels.*limit/ },
    { name: 'directory', file: folder, reason: /is a directory/ },
  ];
}
