// Can style transfer use both cores? tfjs runs the wasm backend single-threaded under Node, so the only
// route is several worker_threads, each with its own wasm instance. This measures the throughput of
// VGG-sized convolutions (block2 scale: 128×96×128 → 128, 3×3) in 1 and 2 workers at once; the
// baseline is one worker, measured in the same run.
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { printTable } from './table.ts';

const CONVS_PER_WORKER = 12;

async function runWorkers(count: number): Promise<number> {
  const workers = Array.from(
    { length: count },
    () =>
      new Worker(new URL('../engine/workers/ts-worker-boot.mjs', import.meta.url), {
        workerData: { module: new URL('./threads.worker.ts', import.meta.url).href, count: CONVS_PER_WORKER },
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
  const one = await runWorkers(1);
  const rows: (string | number)[][] = [[1, CONVS_PER_WORKER, Math.round(one), Math.round(one / CONVS_PER_WORKER), '1.00×']];
  for (const count of [2]) {
    const wall = await runWorkers(count);
    const convs = count * CONVS_PER_WORKER;
    rows.push([count, convs, Math.round(wall), Math.round(wall / convs), `${(convs / wall / (CONVS_PER_WORKER / one)).toFixed(2)}×`]);
  }
  printTable(
    `wasm convolutions in parallel worker threads (${os.availableParallelism()} cores). Baseline: one worker`,
    ['workers', 'convs', 'wall ms', 'ms per conv', 'throughput'],
    rows,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await benchThreads();
