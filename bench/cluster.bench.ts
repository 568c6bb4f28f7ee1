// Clustering accuracy on labelled photos (one folder per person, e.g. LFW fold 1 — read from the path
// given, never copied into the repository): every photo's subject face is embedded once with the
// shipped query pipeline (the one the kiosk logs unknown faces with), on every core, then grouped by
// each method at several cuts and scored pairwise against the folders.
//   npm run bench -- cluster --photos ../shared/eval-dev/lfw-fold1 [--cache FILE]
// --cache keeps the embeddings in FILE (outside the repository) to re-run the table without embedding.
import fs from 'node:fs';
import path from 'node:path';
import { readPersonFolders } from '../engine/evaluation/identify-folders.ts';
import { subjectFacesInWorkers } from '../engine/evaluation/verify-pairs.ts';
import { pairwiseScores } from '../engine/evaluation/cluster-metrics.ts';
import { chineseWhispers } from '../engine/evaluation/chinese-whispers.ts';
import { clusterEmbeddings, DEFAULT_CLUSTER_CUT, type Linkage } from '../engine/recognition/clustering.ts';
import { DEFAULT_THRESHOLD } from '../engine/recognition/thresholds.ts';
import { FaceKitError } from '../api/errors.ts';
import { printTable } from './table.ts';

interface LabelledFace {
  file: string;
  person: string;
  embedding: Float32Array;
}

interface Embedded {
  faces: LabelledFace[];
  photos: number;
  people: number;
  /** Photos without a usable face, with why. */
  missing: string[];
  seconds: number;
  workers: number;
}

interface CachedRun {
  root: string;
  photos: number;
  people: number;
  missing: string[];
  seconds: number;
  workers: number;
  faces: { file: string; person: string; embedding: number[] }[];
}

async function embedFolders(root: string): Promise<Embedded> {
  // LFW fold 1 keeps its folders under people/ (next to pairs.csv); a plain DIR/<person>/ works too.
  const people = path.join(root, 'people');
  const folders = readPersonFolders(fs.existsSync(people) ? people : root);
  const files = folders.flatMap((f) => f.images.map((file) => ({ file, person: f.name })));
  const started = performance.now();
  const { faces, workers } = await subjectFacesInWorkers(
    files.map((f) => f.file),
    {
      onProgress: (p) => {
        if (p.done % 25 === 0 || p.done === p.total) process.stderr.write(`embedded ${p.done}/${p.total}\n`);
      },
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const labelled: LabelledFace[] = [];
  const missing: string[] = [];
  for (const { file, person } of files) {
    const face = faces.get(file);
    if (face === undefined || typeof face === 'string') missing.push(face ?? `${file}: not embedded`);
    else labelled.push({ file: path.relative(root, file), person, embedding: face.embedding });
  }
  return { faces: labelled, photos: files.length, people: folders.length, missing, seconds, workers };
}

async function embedded(root: string, cache: string | undefined): Promise<Embedded> {
  if (cache && fs.existsSync(cache)) {
    const run = JSON.parse(fs.readFileSync(cache, 'utf8')) as CachedRun;
    if (path.resolve(run.root) !== path.resolve(root)) throw new FaceKitError('BAD_INPUT', `embeddings of ${run.root}, not ${root}`, cache);
    return { ...run, faces: run.faces.map((f) => ({ ...f, embedding: Float32Array.from(f.embedding) })) };
  }
  const run = await embedFolders(root);
  if (cache) {
    const saved: CachedRun = { ...run, root, faces: run.faces.map((f) => ({ ...f, embedding: [...f.embedding] })) };
    fs.mkdirSync(path.dirname(cache), { recursive: true });
    fs.writeFileSync(cache, JSON.stringify(saved));
  }
  return run;
}

interface Method {
  name: string;
  group: (embeddings: Float32Array[]) => number[][];
}

function methods(): Method[] {
  const linkage = (kind: Linkage, cut: number): Method => ({
    name: `${kind} linkage, cut ${cut.toFixed(2)}${kind === 'average' && cut === DEFAULT_CLUSTER_CUT ? ' ← FaceKit' : ''}`,
    group: (e) => clusterEmbeddings(e, { cut, linkage: kind }),
  });
  const whispers = (threshold: number, note = ''): Method => ({
    name: `Chinese whispers, ${threshold.toFixed(2)}${note}`,
    group: (e) => chineseWhispers(e, threshold),
  });
  return [
    whispers(0.6, " (dlib's example)"),
    whispers(DEFAULT_THRESHOLD, ' (the verification threshold)'),
    whispers(0.45),
    linkage('single', 0.45),
    linkage('complete', 0.6),
    linkage('complete', 0.7),
    ...[0.4, 0.45, 0.48, 0.5, 0.52, 0.55, 0.6].map((cut) => linkage('average', cut)),
  ];
}

export async function benchCluster(root: string, cache?: string): Promise<void> {
  const run = await embedded(root, cache);
  const embeddings = run.faces.map((f) => f.embedding);
  const labels = run.faces.map((f) => f.person);
  const people = new Set(labels).size;
  const rows = methods().map((method) => {
    const started = performance.now();
    const groups = method.group(embeddings);
    const ms = performance.now() - started;
    const score = pairwiseScores(groups, labels);
    return [
      method.name,
      score.precision.toFixed(3),
      score.recall.toFixed(3),
      groups.length,
      groups.filter((g) => g.length > 1).length,
      ms.toFixed(0),
    ];
  });
  printTable(
    `Clustering ${run.faces.length} faces of ${people} people (${root}: each photo's subject face, the one nearest the centre; ` +
      `${run.missing.length} of ${run.photos} photos without a face). Embedding took ${run.seconds.toFixed(0)} s on ${run.workers} threads. ` +
      `Pairwise: a pair of faces counts when both are one person's and grouped together.`,
    ['method', 'precision', 'recall', 'groups', 'groups ≥ 2', 'ms to group'],
    rows,
  );
  for (const reason of run.missing) console.log(`  no face: ${reason}`);
}

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

export function clusterArgs(): { root: string; cache?: string } {
  const root = argument('--photos');
  if (!root) throw new FaceKitError('BAD_INPUT', 'usage: npm run bench -- cluster --photos DIR [--cache FILE] (DIR/<person>/<photo>)');
  return { root, cache: argument('--cache') };
}
