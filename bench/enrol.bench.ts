// Batch enrolment throughput (`facekit enroll-folder`): photos per second with one worker thread
// against one per core, same photos, fresh store each time, measured in the same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../db/store.ts';
import { defaultWorkerCount, enrolFolder } from '../engine/recognition/enrol-folder.ts';
import { printTable } from './table.ts';

const TRAIN = path.resolve(import.meta.dirname, '..', 'test', 'fixtures', 'faces', 'face_recognition', 'knn_examples', 'train');
/** Each person's photos repeated under new names, so there is enough work to keep every thread busy. */
const COPIES = 3;

function makeFolder(dir: string): string {
  const root = path.join(dir, 'people');
  for (const person of fs.readdirSync(TRAIN)) {
    fs.mkdirSync(path.join(root, person), { recursive: true });
    for (const photo of fs.readdirSync(path.join(TRAIN, person))) {
      // A changed byte after the JPEG end marker: a different file (hash) with the same picture.
      for (let i = 0; i < COPIES; i++)
        fs.writeFileSync(
          path.join(root, person, `${i}-${photo}`),
          Buffer.concat([fs.readFileSync(path.join(TRAIN, person, photo)), Buffer.from([i])]),
        );
    }
  }
  return root;
}

export async function benchEnrol(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facekit-bench-enrol-'));
  try {
    const root = makeFolder(dir);
    const rows: (string | number)[][] = [];
    let baseline = 0;
    for (const workers of [...new Set([1, defaultWorkerCount()])]) {
      const store = Store.open(path.join(dir, `w${workers}.db`));
      const started = performance.now();
      const report = await enrolFolder(store, root, { workers });
      const seconds = (performance.now() - started) / 1000;
      store.close();
      const perSecond = report.photos / seconds;
      baseline ||= perSecond;
      rows.push([workers, report.photos, seconds, perSecond, `${(perSecond / baseline).toFixed(2)}×`]);
    }
    printTable(
      'Batch enrolment (enroll-folder), whole run including model loading. Baseline: 1 worker',
      ['workers', 'photos', 'seconds', 'photos/s', 'speed-up'],
      rows,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchEnrol();
