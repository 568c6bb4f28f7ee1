// Can style transfer use both cores? tfjs runs the wasm backend single-threaded under Node, so the only
// route is several worker_threads, each with its own wasm instance. This measures the throughput of
// VGG-sized convolutions in 1 and 2 workers at once — block2 at 128×96 (128 → 128 channels, 6 MB maps) and
// block1 of a 512×384 style job (64 → 64, 50 MB maps: memory-bound) — the baseline is one worker, same run.
// It is the ceiling for splitting one style job across threads on this machine.
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { printTable } from './table.ts';

const CONVS_PER_WORKER = 12;
/** [height, width, input channels, output channels] of each measured 3×3 conv. */
const SHAPES: [number, number, number, number][] = [
  [96, 128, 128, 128],
  [384, 512, 64, 64],
];

async function runWorkers(count: number, shape: [number, number, number, number]): Promise<number> {
  const workers = Array.from(
    { length: count },
    () =>
      new Worker(new URL('../engine/workers/ts-worker-boot.mjs', import.meta.url), {
        workerData: { module: new URL('./threads.worker.ts', import.meta.url).href, count: CONVS_PER_WORKER, shape },
      }),
  );
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const start = performance.now();
  workers.forEach((w) => w.postMessage('go'));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const wall = performance.now() - start;
  await Promise.all(workers.map((w) => w.terminate()));
  return wall;
}

export async function benchThreads(): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const shape of SHAPES) {
    const [h, w, cin, cout] = shape;
    const one = await runWorkers(1, shape);
    const size = `${w}×${h} ${cin}→${cout}`;
    rows.push([size, 1, CONVS_PER_WORKER, Math.round(one), Math.round(one / CONVS_PER_WORKER), '1.00×']);
    const wall = await runWorkers(2, shape);
    const convs = 2 * CONVS_PER_WORKER;
    rows.push([size, 2, convs, Math.round(wall), Math.round(wall / convs), `${(convs / wall / (CONVS_PER_WORKER / one)).toFixed(2)}×`]);
  }
  printTable(
    `wasm 3×3 convolutions in parallel worker threads (${os.availableParallelism()} cores). Baseline: one worker, same size`,
    ['conv', 'workers', 'convs', 'wall ms', 'ms per conv', 'throughput'],
    rows,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await benchThreads();
