// Test and bench helper. Tight face crops (the face fills the image, as in ID photos and avatars), made
// deterministically from the single-person fixture photos: each face is cut to its 68 landmarks' box plus
// a margin of −5 % to 10 % a side, and scaled to 60–400 px. Nothing derived is stored: the crops are remade.
import path from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../../engine/image.ts';
import { cutChip, chipToSource } from '../../engine/faces/chip.ts';
import { boundingBox, boxCenter, type Box } from '../../engine/faces/geometry.ts';
import { detectFaces, SINGLE_PASS_PLAN } from '../../engine/faces/detection.ts';
import type { FaceModels } from '../../engine/faces/nets.ts';
import { decodeImageFile } from '../../engine/image.ts';
import { COMPREFACE, FACES } from './fixtures.ts';

const knn = (...p: string[]) => path.join(FACES, 'knn_examples', ...p);
const people = (...p: string[]) => path.join(COMPREFACE, 'people', ...p);

/** Eight people, their photos in test/fixtures (one face each, or one dominant face). */
export const TIGHT_CROP_PEOPLE: readonly { name: string; photos: readonly string[] }[] = [
  {
    name: 'obama',
    photos: [
      path.join(FACES, 'test_images', 'obama.jpg'),
      path.join(FACES, 'test_images', 'obama2.jpg'),
      path.join(FACES, 'test_images', 'obama3.jpg'),
      knn('train', 'obama', 'obama.jpg'),
      knn('test', 'obama1.jpg'),
    ],
  },
  {
    name: 'biden',
    photos: [path.join(FACES, 'test_images', 'biden.jpg'), knn('train', 'biden', 'biden.jpg'), knn('train', 'biden', 'biden2.jpg')],
  },
  {
    name: 'kit',
    photos: [knn('train', 'kit_harington', 'john1.jpeg'), knn('train', 'kit_harington', 'john2.jpeg'), knn('test', 'johnsnow_test1.jpg')],
  },
  { name: 'rose', photos: [knn('train', 'rose_leslie', 'img1.jpg'), knn('train', 'rose_leslie', 'img2.jpg')] },
  { name: 'alex', photos: [knn('train', 'alex_lacamoire', 'img1.jpg'), knn('test', 'alex_lacamoire1.jpg')] },
  { name: 'A', photos: [people('A', '004_A.jpg')] },
  { name: 'B', photos: [people('B', '007_B.jpg'), people('B', '008_B.jpg')] },
  { name: 'C', photos: [people('C', '009_C.jpg')] },
];

/** A negative margin cuts into the landmark box (the jaw line, the brows): the tightest crops an avatar gets. */
const MARGINS = [-0.05, 0, 0.025, 0.05, 0.1] as const;
const SIZES = [60, 120, 200, 300, 400] as const;

export interface TightCrop {
  name: string;
  image: RgbImage;
}

/** The landmark box of the largest face of a photo (found by the single SSD pass, which handles ordinary photos). */
async function landmarkBox(models: FaceModels, file: string): Promise<{ image: RgbImage; box: Box }> {
  const image = await decodeImageFile(file);
  const { detections } = await detectFaces(models, image, { minConfidence: 0.5, maxFaces: 10, plan: SINGLE_PASS_PLAN });
  const face = [...detections].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
  if (!face) throw new Error(`no face to crop in ${file}`);
  const spec = { center: boxCenter(face.box), side: Math.max(face.box.width, face.box.height), angle: 0, size: 112 };
  const points = (await models.get('faceLandmarks').landmarks(await cutChip(image, spec))).map((p) => chipToSource(p, spec));
  return { image, box: boundingBox(points) };
}

/** `perPerson` crops of each person: crop j uses photo j mod n, margin MARGINS[j], size SIZES[(j + person) mod 5]. */
export async function tightCrops(models: FaceModels, perPerson = 5, who = TIGHT_CROP_PEOPLE): Promise<TightCrop[]> {
  const crops: TightCrop[] = [];
  for (const [p, person] of who.entries()) {
    const sources = new Map<string, { image: RgbImage; box: Box }>();
    for (let j = 0; j < perPerson; j++) {
      const file = person.photos[j % person.photos.length] ?? '';
      const source = sources.get(file) ?? (await landmarkBox(models, file));
      sources.set(file, source);
      const margin = MARGINS[j % MARGINS.length] ?? 0;
      const size = SIZES[(j + p) % SIZES.length] ?? 200;
      const { image, box } = source;
      const left = Math.max(0, Math.round(box.x - margin * box.width));
      const top = Math.max(0, Math.round(box.y - margin * box.height));
      const right = Math.min(image.width, Math.round(box.x + box.width * (1 + margin)));
      const bottom = Math.min(image.height, Math.round(box.y + box.height * (1 + margin)));
      const scale = size / Math.max(right - left, bottom - top);
      const width = Math.max(1, Math.round((right - left) * scale));
      const height = Math.max(1, Math.round((bottom - top) * scale));
      const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
        .extract({ left, top, width: right - left, height: bottom - top })
        .resize(width, height, { fit: 'fill' })
        .raw()
        .toBuffer();
      crops.push({ name: `${person.name}/${path.basename(file)} margin ${margin * 100}% ${size}px`, image: { width, height, data } });
    }
  }
  return crops;
}
