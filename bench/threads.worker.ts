// Worker for bench/threads.bench.ts: its own wasm backend, timing `count` VGG-sized convolutions.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../engine/runtime/backend.ts';
import { tf } from '../engine/runtime/tf.ts';

await initBackend('wasm');
const x = tf.randomNormal([1, 96, 128, 128]) as tf.Tensor4D;
const k = tf.randomNormal([3, 3, 128, 128]) as tf.Tensor4D;
tf.conv2d(x, k, 1, 'same').dispose(); // warm-up
parentPort!.postMessage('ready');
parentPort!.once('message', () => {
  const start = performance.now();
  for (let i = 0; i < (workerData as { count: number }).count; i++) tf.conv2d(x, k, 1, 'same').dataSync();
  parentPort!.postMessage(performance.now() - start);
});
