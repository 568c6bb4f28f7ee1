// Runs in a worker thread of a multi-threaded style job (band-pool.ts starts one per band), with its own
// tfjs (wasm) instance. Its one job: one horizontal band of the image through VGG-19 — forward, the band's
// shares of the content sums and style Grams, and FaceKit's hand-written backward pass (the same ops as
// loss.ts) — with the neighbours' edge rows handed in by the main thread before every 3×3 convolution.
import { parentPort } from 'node:worker_threads';
import { expectDefined, FaceKitError } from '../../../api/errors.ts';
import { reportUnexpected } from '../../runtime/error-log.ts';
import { initBackend } from '../../runtime/backend.ts';
import { tf } from '../../runtime/tf.ts';
import type { Tensor4D } from '../../runtime/tf.ts';
import { Vgg19Net, pool2, pool2Backward, pooledBefore } from '../vgg19.ts';
import type { ConvPad, Vgg19Weights } from '../vgg19.ts';
import type { BandReply, BandRequest, EdgeRows, LayerArrays } from './protocol.ts';

const port = expectDefined(parentPort, 'parentPort (band-worker.ts runs only as a worker thread)');

let net: Vgg19Net | undefined;
let weights: Vgg19Weights | undefined;
const content = new Map<number, Tensor4D>();
let image: Tensor4D | undefined;
const acts: (Tensor4D | undefined)[] = [];
const pooled: (Tensor4D | undefined)[] = [];
/** Upstream gradient w.r.t. the activation of the layer the next 'dz' is for. */
let grad: Tensor4D | undefined;
/** Gradient w.r.t. the pre-ReLU output of the layer the next 'back' is for. */
let dz: Tensor4D | undefined;

function theNet(): Vgg19Net {
  return expectDefined(net, 'the band worker network (init comes first)');
}

function buildWeights(layers: LayerArrays[]): Vgg19Weights {
  return new Map(layers.map((l) => [l.name, { kernel: tf.tensor4d(l.kernel, l.kernelShape), bias: tf.tensor1d(l.bias) }] as const));
}

/** Frees what one iteration holds (also what a cancelled one left behind). */
function clearIteration(): void {
  for (const t of [...acts, ...pooled, image, grad, dz]) t?.dispose();
  acts.length = 0;
  pooled.length = 0;
  image = grad = dz = undefined;
}

/** The band with the neighbours' edge rows stacked on (zero padding at the image's own edges, as 'same' does). */
function withHalo(band: Tensor4D, above?: Float32Array, below?: Float32Array): Tensor4D {
  const [, , w, c] = band.shape;
  const parts: Tensor4D[] = [];
  if (above) parts.push(tf.tensor4d(above, [1, 1, w, c]));
  parts.push(band);
  if (below) parts.push(tf.tensor4d(below, [1, 1, w, c]));
  return parts.length === 1 ? band : tf.concat(parts, 1);
}

/**
 * A 3×3 conv of the band's rows: the neighbours' rows stacked on where there are neighbours, zero padding
 * (as 'same' does) only at the image's own edges, so the output has exactly the band's rows.
 */
function bandConv(
  band: Tensor4D,
  above: Float32Array | undefined,
  below: Float32Array | undefined,
  conv: (t: Tensor4D, pad: ConvPad) => Tensor4D,
): Tensor4D {
  if (!above && !below) return conv(band, 'same');
  return tf.tidy(() =>
    conv(withHalo(band, above, below), [
      [0, 0],
      [above ? 0 : 1, below ? 0 : 1],
      [1, 1],
      [0, 0],
    ]),
  );
}

/**
 * A tensor's values, the tensor freed. Never return a typed array from tf.tidy: tidy walks every index of
 * its result looking for tensors (≈ 0.6 s for a 512×512 Gram).
 */
function readAndDispose(t: tf.Tensor): Float32Array {
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

function edgeRows(t: Tensor4D): EdgeRows {
  const [, h, w, c] = t.shape;
  const row = (r: number) => readAndDispose(tf.slice(t, [0, r, 0, 0], [1, 1, w, c]));
  return { first: row(0), last: row(h - 1) };
}

function forward(m: Extract<BandRequest, { op: 'forward' }>): BandReply {
  const n = theNet();
  const i = m.layer;
  const input = i === 0 ? expectDefined(image, 'the band image') : (pooled[i] ?? expectDefined(acts[i - 1], `activation ${i - 1}`));
  const a = (acts[i] = bandConv(input, m.above, m.below, (t, pad) => n.conv(i, t, pad)));
  const reply: BandReply = { ok: true };
  if (m.content) {
    const target = expectDefined(content.get(i), `the content target of layer ${i}`);
    reply.contentSq = tf.tidy(() => tf.sum(tf.squaredDifference(a, target)).dataSync()[0] ?? NaN);
  }
  if (m.style) {
    const gram = tf.tidy(() => {
      const [, h, w, c] = a.shape;
      // Same transpose + plain matMul as gramNormalized (faster on wasm); not normalised: bands are summed.
      const f = tf.reshape(a, [h * w, c]);
      const ft = tf.reshape(tf.transpose(a, [0, 3, 1, 2]), [c, h * w]);
      return tf.matMul(ft, f);
    });
    reply.gram = readAndDispose(gram);
  }
  if (i < n.deepest) {
    let next = a;
    if (pooledBefore(i + 1)) next = pooled[i + 1] = tf.tidy(() => pool2(a, n.pooling));
    Object.assign(reply, edgeRows(next));
  }
  return reply;
}

function gradientAtLayer(m: Extract<BandRequest, { op: 'dz' }>): BandReply {
  const i = m.layer;
  const a = expectDefined(acts[i], `activation ${i}`);
  const upstream = grad;
  grad = undefined;
  dz = tf.tidy(() => {
    const [, h, w, c] = a.shape;
    let g: Tensor4D | undefined = upstream;
    if (m.contentScale !== undefined) {
      const target = expectDefined(content.get(i), `the content target of layer ${i}`);
      const gc = tf.mul<Tensor4D>(tf.sub(a, target), m.contentScale);
      g = g ? tf.add<Tensor4D>(g, gc) : gc;
    }
    if (m.style) {
      const f = tf.reshape(a, [h * w, c]);
      const gs: Tensor4D = tf.reshape(tf.mul(tf.matMul(f, tf.tensor2d(m.style.diff, [c, c])), m.style.scale), a.shape);
      g = g ? tf.add<Tensor4D>(g, gs) : gs;
    }
    if (!g) throw new FaceKitError('INTERNAL', `no gradient reaches layer ${i} of the band`);
    return tf.mul<Tensor4D>(g, tf.step(a));
  });
  upstream?.dispose();
  return { ok: true, ...edgeRows(dz) };
}

function back(m: Extract<BandRequest, { op: 'back' }>): BandReply {
  const n = theNet();
  const i = m.layer;
  const d = expectDefined(dz, `the gradient at layer ${i}`);
  dz = undefined;
  let g = bandConv(d, m.above, m.below, (t, pad) => n.convInputGradient(i, t, pad));
  d.dispose();
  acts[i] = void acts[i]?.dispose();
  const pooledIn = pooled[i];
  if (pooledIn) {
    const dIn = g;
    g = pool2Backward(expectDefined(acts[i - 1], `activation ${i - 1}`), pooledIn, dIn, n.pooling);
    dIn.dispose();
    pooled[i] = void pooledIn.dispose();
  }
  if (i > 0) {
    grad = g;
    return { ok: true };
  }
  const out = g.dataSync() as Float32Array;
  g.dispose();
  clearIteration();
  return { ok: true, grad: out, tensors: tf.memory().numTensors };
}

async function handle(m: BandRequest): Promise<BandReply> {
  switch (m.op) {
    case 'init':
      await initBackend(m.backend);
      weights = buildWeights(m.layers);
      net = new Vgg19Net(weights, m.pooling, m.deepest);
      return { ok: true };
    case 'stage':
      for (const t of content.values()) t.dispose();
      content.clear();
      for (const c of m.content) content.set(c.layer, tf.tensor4d(c.data, c.shape));
      return { ok: true };
    case 'begin':
      clearIteration();
      image = tf.tensor4d(m.data, m.shape);
      return { ok: true };
    case 'forward':
      return forward(m);
    case 'dz':
      return gradientAtLayer(m);
    case 'back':
      return back(m);
  }
}

port.on('message', (m: BandRequest) => {
  handle(m).then(
    (reply) => port.postMessage(reply),
    (error: unknown) => port.postMessage({ ok: false, error: reportUnexpected(error, { where: 'style band worker' }).toErrorInfo() }),
  );
});
