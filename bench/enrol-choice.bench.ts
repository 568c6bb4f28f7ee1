// How many photos with several faces the dominant-face rule resolves, and to which face, for a grid of
// its two parameters (engine/recognition/dominant-face.ts: DOMINANCE). Reads a labelled folder given on
// the command line, ROOT/<person>/<photos> — e.g. LFW, whose labelled person is the centred face:
//   npx tsx bench/enrol-choice.bench.ts --root /path/to/lfw/people
// "right" = the face the evaluation takes as the photo's subject (engine/evaluation/subject.ts: the
// centred one); "like the others" = within the threshold of the person's single-face photos.
import { decodeImageFile } from '../engine/image.ts';
import { analyzeFaces, type AnalyzedFace } from '../engine/faces/pipeline.ts';
import { createModelRegistry } from '../engine/models/loaded-models.ts';
import { readPersonFolders } from '../engine/evaluation/identify-folders.ts';
import { subjectFace } from '../engine/evaluation/subject.ts';
import { chooseEnrolFace, chooseFace, DOMINANCE } from '../engine/recognition/dominant-face.ts';
import { DEFAULT_THRESHOLD } from '../engine/recognition/thresholds.ts';
import { isFaceKitError } from '../api/errors.ts';
import { printTable } from './table.ts';

const RATIOS = [1.25, 1.5, 2, 2.5, 3, 4];
const EDGE_MARGINS = [0, 0.05, 0.1, 0.15, 0.2, 0.3];

interface Photo {
  person: string;
  file: string;
  width: number;
  height: number;
  faces: AnalyzedFace[];
}

async function analyseFolder(root: string): Promise<Photo[]> {
  const models = createModelRegistry();
  const photos: Photo[] = [];
  const folders = readPersonFolders(root);
  const total = folders.reduce((n, f) => n + f.images.length, 0);
  for (const person of folders) {
    for (const file of person.images) {
      try {
        const image = await decodeImageFile(file);
        photos.push({
          person: person.name,
          file,
          width: image.width,
          height: image.height,
          faces: (await analyzeFaces(models, image)).faces,
        });
      } catch (error) {
        if (!isFaceKitError(error)) throw error;
      }
      if (process.stderr.isTTY) process.stderr.write(`\ranalysed ${photos.length}/${total}`);
    }
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  models.unloadAll();
  return photos;
}

export async function benchEnrolChoice(root: string): Promise<void> {
  const photos = await analyseFolder(root);
  const several = photos.filter((p) => p.faces.length > 1);
  const evidence = new Map<string, Float32Array[]>();
  for (const p of photos) {
    const [only, second] = p.faces;
    if (only && !second) evidence.set(p.person, [...(evidence.get(p.person) ?? []), only.embedding]);
  }
  console.log(`${photos.length} photos, ${several.length} with several faces`);

  const rows = EDGE_MARGINS.map((edgeMargin) => [
    edgeMargin ? `< ${edgeMargin}` : 'none',
    ...RATIOS.map((minAreaRatio) => {
      let right = 0;
      let wrong = 0;
      for (const p of several) {
        const choice = chooseFace(p.faces, p, { minAreaRatio, edgeMargin });
        if (!choice.chosen) continue;
        if (choice.face === subjectFace(p.faces, p)) right++;
        else wrong++;
      }
      return `${right}/${wrong}`;
    }),
  ]);
  printTable(
    `Photos with several faces resolved by the dominant-face rule: right/wrong face, by edge margin (rows) and area ratio (columns); shipped: ${DOMINANCE.edgeMargin}, ${DOMINANCE.minAreaRatio}`,
    ['edge margin', ...RATIOS.map((r) => `ratio ${r}`)],
    rows,
  );

  // The shipped rule with the identity check against the person's single-face photos, photo by photo.
  const outcome = new Map<string, number>();
  const lines: string[][] = [];
  for (const p of several) {
    const choice = chooseEnrolFace(p.faces, p, evidence.get(p.person) ?? [], DEFAULT_THRESHOLD);
    const key = choice.chosen ? `${choice.how}${choice.face === subjectFace(p.faces, p) ? '' : ' (NOT the subject)'}` : choice.reason;
    outcome.set(key, (outcome.get(key) ?? 0) + 1);
    lines.push([p.file.split('/').slice(-1)[0] ?? p.file, String(p.faces.length), key, choice.chosen ? '' : choice.why]);
  }
  printTable('Each photo with several faces under the shipped rule, with the identity check', ['photo', 'faces', 'outcome', 'why'], lines);
  printTable(
    'Totals',
    ['outcome', 'photos'],
    [...outcome.entries()].map(([k, v]) => [k, v]),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--root');
  const root = at > 0 ? process.argv[at + 1] : undefined;
  if (!root) {
    console.error('usage: npx tsx bench/enrol-choice.bench.ts --root DIR   (DIR/<person>/<photos>)');
    process.exit(2);
  }
  await benchEnrolChoice(root);
}
