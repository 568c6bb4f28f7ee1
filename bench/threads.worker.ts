// Worker for bench/threads.bench.ts: its own wasm backend, timing `count` VGG-sized convolutions.
import { parentPort, workerData } from 'node:worker_threads';
import { expectDefined } from '../api/errors.ts';
import { initBackend } from '../engine/runtime/backend.ts';
import { tf } from '../engine/runtime/tf.ts';

const port = expectDefined(parentPort, 'parentPort (bench/threads.worker.ts runs only as a worker thread)');
await initBackend('wasm');
const { shape } = workerData as { shape: [number, number, number, number] };
const [h, w, cin, cout] = shape;
const x = tf.randomNormal<tf.Rank.R4>([1, h, w, cin]);
const k = tf.randomNormal<tf.Rank.R4>([3, 3, cin, cout]);
tf.conv2d(x, k, 1, 'same').dispose(); // warm-up
port.postMessage('ready');
port.once('message', () => {
  const start = performance.now();
  for (let i = 0; i < (workerData as { count: number }).count; i++) tf.conv2d(x, k, 1, 'same').dataSync();
  port.postMessage(performance.now() - start);
});
