// Face detection: how many faces each plan of the accurate detector finds, what it finds that is not a
// face, and what it costs, against the single SSD pass FaceKit used before (measured in the same run).
//   npm run bench:detection -- [--lfw DIR]     (DIR: an LFW folder with pairs.csv, e.g. ../shared/eval-dev/lfw-fold1)
// Sets: 40 tight crops (8 people × 5, made from test/fixtures, test/helpers/tight-crops.ts); CompreFace's
// group photos with their nose points (37 faces, and 017_0 with none); two 2 × 2 mosaics of them (large
// photos, small faces); LFW's 250 × 250 photos when --lfw is given (never copied into the repository).
import fs from 'node:fs';
import path from 'node:path';
import { initBackend, describeBackend } from '../engine/runtime/backend.ts';
import { decodeImageFile, type RgbImage } from '../engine/image.ts';
import { detectFaces, SHIPPED_PLAN, SINGLE_PASS_PLAN, type DetectionPlan } from '../engine/faces/detection.ts';
import { createModelRegistry } from '../engine/models/loaded-models.ts';
import { tightCrops } from '../test/helpers/tight-crops.ts';
import { groupPhotos, mosaic, score, type GroupPhoto } from '../test/helpers/face-groups.ts';
import { printTable } from './table.ts';

const VARIANTS: { name: string; plan: DetectionPlan }[] = [
  { name: 'today: SSD once (padded if none)', plan: SINGLE_PASS_PLAN },
  { name: '+ second scale (padded, checked)', plan: { padded: 'always', tiles: false, blazeFace: false, verify: true } },
  { name: '+ tiles/NMS (checked)', plan: { padded: 'always', tiles: true, blazeFace: false, verify: true } },
  { name: '+ BlazeFace, no check', plan: { padded: 'always', tiles: true, blazeFace: true, verify: false } },
  { name: 'shipped: all + landmark check', plan: SHIPPED_PLAN },
];
const LFW_TIMED = 40;

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function lfwImages(dir: string): string[] {
  const rows = fs.readFileSync(path.join(dir, 'pairs.csv'), 'utf8').trim().split('\n').slice(1);
  return [...new Set(rows.flatMap((r) => r.split(',').slice(0, 2)))].map((p) => path.join(dir, p)).sort();
}

export async function benchDetection(lfwDir = argValue('--lfw')): Promise<void> {
  const backend = await initBackend();
  const models = createModelRegistry();
  const crops = await tightCrops(models);
  const groups = await groupPhotos();
  const withFaces = groups.filter((g) => g.noses.length);
  const mosaics = [await mosaic(withFaces.slice(0, 4)), await mosaic(withFaces.slice(4, 8))];
  const lfw = lfwDir ? lfwImages(lfwDir) : [];
  const decoded = new Map<string, RgbImage>();
  const lfwImage = async (file: string): Promise<RgbImage> => {
    const image = decoded.get(file) ?? (await decodeImageFile(file));
    decoded.set(file, image);
    return image;
  };
  // warm-up: the first calls compile kernels
  for (const plan of [SHIPPED_PLAN])
    for (const g of groups.slice(0, 2)) await detectFaces(models, g.image, { minConfidence: 0.5, maxFaces: 100, plan });

  const rows: (string | number)[][] = [];
  let lfwMissedBefore: string[] = [];
  const minSizes: number[] = [];
  for (const [v, { name, plan }] of VARIANTS.entries()) {
    const run = async (image: RgbImage) => {
      const start = performance.now();
      const { detections } = await detectFaces(models, image, { minConfidence: 0.5, maxFaces: 100, plan });
      return { boxes: detections.map((d) => d.box), ms: performance.now() - start };
    };
    let cropsFound = 0;
    let cropMs = 0;
    for (const crop of crops) {
      const { boxes, ms } = await run(crop.image);
      cropMs += ms;
      if (boxes.length) cropsFound++;
      else if (v === VARIANTS.length - 1) console.log(`  shipped plan: no face in tight crop ${crop.name}`);
    }
    const scoreSet = async (set: readonly GroupPhoto[]) => {
      let found = 0;
      let falseDetections = 0;
      let ms = 0;
      for (const g of set) {
        const result = await run(g.image);
        const s = score(result.boxes, g.noses);
        found += s.found;
        falseDetections += s.falseDetections;
        ms += result.ms;
        minSizes.push(...s.sizes);
        if (s.found < g.noses.length || s.falseDetections)
          console.log(`  ${name}: ${g.name}: ${s.found}/${g.noses.length} found, ${s.falseDetections} false`);
      }
      return { found, falseDetections, ms: ms / set.length };
    };
    const group = await scoreSet(groups);
    const large = await scoreSet(mosaics);
    // LFW: every plan keeps what the single pass finds, so only the single pass's misses are run again;
    // the time is the mean over the first LFW_TIMED photos.
    let lfwCell: string | number = '-';
    let lfwMs: string | number = '-';
    if (lfw.length) {
      const todo = v === 0 ? lfw : lfwMissedBefore;
      const missed: string[] = [];
      for (const file of todo) if (!(await run(await lfwImage(file))).boxes.length) missed.push(file);
      if (v === 0) lfwMissedBefore = missed;
      lfwCell = missed.length;
      let total = 0;
      for (const file of lfw.slice(0, LFW_TIMED)) total += (await run(await lfwImage(file))).ms;
      lfwMs = total / Math.min(LFW_TIMED, lfw.length);
      if (missed.length) console.log(`  ${name}: no face in ${missed.map((f) => path.basename(f)).join(', ')}`);
    }
    const faces = groups.reduce((n, g) => n + g.noses.length, 0);
    const mosaicFaces = mosaics.reduce((n, g) => n + g.noses.length, 0);
    rows.push([
      name,
      `${cropsFound}/${crops.length}`,
      cropMs / crops.length,
      `${group.found}/${faces} ${((100 * group.found) / faces).toFixed(1)} %`,
      group.falseDetections,
      group.ms,
      `${large.found}/${mosaicFaces} ${((100 * large.found) / mosaicFaces).toFixed(1)} %`,
      large.falseDetections,
      large.ms,
      lfwCell,
      lfwMs,
    ]);
  }
  printTable(
    `Face detection (accurate path), ms are detection only, per image (backend ${describeBackend(backend)}). ` +
      `Group faces found are ${Math.round(Math.min(...minSizes))}–${Math.round(Math.max(...minSizes))} px (box side)`,
    [
      'plan',
      'tight crops found',
      'ms/crop',
      'group recall',
      'false (groups)',
      'ms/group',
      'mosaic recall',
      'false (mosaics)',
      'ms/mosaic',
      lfw.length ? `LFW no face (of ${lfw.length})` : 'LFW (--lfw DIR)',
      'ms/LFW',
    ],
    rows,
  );
  models.unloadAll();
}

if (import.meta.url === `file://${process.argv[1]}`) await benchDetection();
