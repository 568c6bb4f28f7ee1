// Runs in a worker thread of a multi-threaded style job (band-pool.ts starts one per band), with its own
// tfjs (wasm) instance. Its one job: one horizontal band of the image through VGG-19 — forward, the band's
// shares of the content sums and style Grams, and FaceKit's hand-written backward pass (the same ops as
// loss.ts) — swapping edge rows with the neighbouring bands' workers before every 3×3 convolution.
import { parentPort } from 'node:worker_threads';
import { expectDefined, FaceKitError } from '../../../api/errors.ts';
import { reportUnexpected } from '../../runtime/error-log.ts';
import { initBackend } from '../../runtime/backend.ts';
import { tf } from '../../runtime/tf.ts';
import type { Tensor4D } from '../../runtime/tf.ts';
import { Vgg19Net, pool2, pool2Backward, pooledBefore } from '../vgg19.ts';
import type { ConvPad, Vgg19Weights } from '../vgg19.ts';
import { EdgeLink, StopFlag } from './edge-link.ts';
import type { BandReply, BandRequest, LayerArrays, LayerScales } from './protocol.ts';

const port = expectDefined(parentPort, 'parentPort (band-worker.ts runs only as a worker thread)');

let net: Vgg19Net | undefined;
let stop: StopFlag | undefined;
let links: { above?: EdgeLink; below?: EdgeLink } = {};
const content = new Map<number, Tensor4D>();
/** One iteration's tensors: the band's image, each layer's activation, each pooled input. */
let image: Tensor4D | undefined;
const acts: (Tensor4D | undefined)[] = [];
const pooled: (Tensor4D | undefined)[] = [];
/** The backward pass's gradient in flight (kept here so that a cancelled pass can free it). */
let grad: Tensor4D | undefined;
/** The current iteration's first exchange step (the forward pass's; the backward pass's follow). */
let firstStep = 0;

function theNet(): Vgg19Net {
  return expectDefined(net, 'the band worker network (init comes first)');
}

function theStopFlag(): StopFlag {
  return expectDefined(stop, 'the band worker stop flag (init comes first)');
}

function buildWeights(layers: LayerArrays[]): Vgg19Weights {
  return new Map(layers.map((l) => [l.name, { kernel: tf.tensor4d(l.kernel, l.kernelShape), bias: tf.tensor1d(l.bias) }] as const));
}

/** Frees what one iteration holds (also what a cancelled one left behind). */
function clearIteration(): void {
  for (const t of [...acts, ...pooled, image, grad]) t?.dispose();
  acts.length = 0;
  pooled.length = 0;
  image = grad = undefined;
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

function row(t: Tensor4D, r: number): Float32Array {
  const [, , w, c] = t.shape;
  return readAndDispose(tf.slice(t, [0, r, 0, 0], [1, 1, w, c]));
}

/** Sends this band's first and last rows of `t` to its neighbours and returns theirs next to it. */
function swapEdges(t: Tensor4D, step: number): { above?: Float32Array; below?: Float32Array } {
  const [, h, w, c] = t.shape;
  links.above?.send('up', step, row(t, 0));
  links.below?.send('down', step, row(t, h - 1));
  return { above: links.above?.receive('down', step, w * c), below: links.below?.receive('up', step, w * c) };
}

/**
 * A 3×3 conv of the band's rows: the neighbours' rows stacked on where there are neighbours, zero padding
 * (as 'same' does) only at the image's own edges, so the output has exactly the band's rows.
 */
function bandConv(band: Tensor4D, step: number, conv: (t: Tensor4D, pad: ConvPad) => Tensor4D): Tensor4D {
  const { above, below } = swapEdges(band, step);
  if (!above && !below) return conv(band, 'same');
  const [, , w, c] = band.shape;
  return tf.tidy(() => {
    const parts: Tensor4D[] = [];
    if (above) parts.push(tf.tensor4d(above, [1, 1, w, c]));
    parts.push(band);
    if (below) parts.push(tf.tensor4d(below, [1, 1, w, c]));
    return conv(tf.concat(parts, 1), [
      [0, 0],
      [above ? 0 : 1, below ? 0 : 1],
      [1, 1],
      [0, 0],
    ]);
  });
}

/** Exchange steps: forward layers 0…deepest, then backward deepest…0. */
function backwardStep(layer: number): number {
  return firstStep + 2 * theNet().deepest + 1 - layer;
}

function forward(m: Extract<BandRequest, { op: 'forward' }>): BandReply {
  const n = theNet();
  const stopFlag = theStopFlag();
  clearIteration();
  firstStep = m.firstStep;
  image = tf.tensor4d(m.data, m.shape);
  const roles = new Map(m.roles.map((r) => [r.layer, r]));
  const reply = {
    ok: true as const,
    contentSq: [] as { layer: number; value: number }[],
    grams: [] as { layer: number; gram: Float32Array }[],
  };
  for (let i = 0; i <= n.deepest; i++) {
    stopFlag.check();
    const previous = acts[i - 1];
    let input = i === 0 ? image : expectDefined(previous, `activation ${i - 1}`);
    if (i > 0 && pooledBefore(i)) input = pooled[i] = pool2(input, n.pooling);
    const a = (acts[i] = bandConv(input, firstStep + i, (t, pad) => n.conv(i, t, pad)));
    const role = roles.get(i);
    if (role?.content) {
      const target = expectDefined(content.get(i), `the content target of layer ${i}`);
      reply.contentSq.push({ layer: i, value: tf.tidy(() => tf.sum(tf.squaredDifference(a, target)).dataSync()[0] ?? NaN) });
    }
    if (role?.style) {
      const gram = tf.tidy(() => {
        const [, h, w, c] = a.shape;
        // Same transpose + plain matMul as gramNormalized (faster on wasm); not normalised: bands are summed.
        const f = tf.reshape(a, [h * w, c]);
        const ft = tf.reshape(tf.transpose(a, [0, 3, 1, 2]), [c, h * w]);
        return tf.matMul(ft, f);
      });
      reply.grams.push({ layer: i, gram: readAndDispose(gram) });
    }
  }
  return reply;
}

/** Gradient w.r.t. layer i's pre-ReLU output: the upstream gradient plus the layer's own loss terms. */
function gradientAtLayer(i: number, upstream: Tensor4D | undefined, s: LayerScales | undefined): Tensor4D {
  const a = expectDefined(acts[i], `activation ${i}`);
  return tf.tidy(() => {
    const [, h, w, c] = a.shape;
    let g: Tensor4D | undefined = upstream;
    if (s?.contentScale !== undefined) {
      const target = expectDefined(content.get(i), `the content target of layer ${i}`);
      const gc = tf.mul<Tensor4D>(tf.sub(a, target), s.contentScale);
      g = g ? tf.add<Tensor4D>(g, gc) : gc;
    }
    if (s?.style) {
      const f = tf.reshape(a, [h * w, c]);
      const gs: Tensor4D = tf.reshape(tf.mul(tf.matMul(f, tf.tensor2d(s.style.diff, [c, c])), s.style.scale), a.shape);
      g = g ? tf.add<Tensor4D>(g, gs) : gs;
    }
    if (!g) throw new FaceKitError('INTERNAL', `no gradient reaches layer ${i} of the band`);
    return tf.mul<Tensor4D>(g, tf.step(a));
  });
}

function backward(m: Extract<BandRequest, { op: 'backward' }>): BandReply {
  const n = theNet();
  const stopFlag = theStopFlag();
  const scales = new Map(m.scales.map((s) => [s.layer, s]));
  for (let i = n.deepest; i >= 0; i--) {
    stopFlag.check();
    const dz = gradientAtLayer(i, grad, scales.get(i));
    grad = void grad?.dispose();
    let g: Tensor4D;
    try {
      g = bandConv(dz, backwardStep(i), (t, pad) => n.convInputGradient(i, t, pad));
    } finally {
      dz.dispose();
    }
    acts[i] = void acts[i]?.dispose();
    const pooledIn = pooled[i];
    if (pooledIn) {
      const dIn = g;
      g = pool2Backward(expectDefined(acts[i - 1], `activation ${i - 1}`), pooledIn, dIn, n.pooling);
      dIn.dispose();
      pooled[i] = void pooledIn.dispose();
    }
    grad = g;
  }
  const out = expectDefined(grad, 'the band image gradient').dataSync() as Float32Array;
  clearIteration();
  return { ok: true, grad: out, tensors: tf.memory().numTensors };
}

async function handle(m: BandRequest): Promise<BandReply> {
  switch (m.op) {
    case 'init':
      await initBackend(m.backend);
      net = new Vgg19Net(buildWeights(m.layers), m.pooling, m.deepest);
      stop = new StopFlag(m.stop);
      return { ok: true };
    case 'stage': {
      for (const t of content.values()) t.dispose();
      content.clear();
      for (const c of m.content) content.set(c.layer, tf.tensor4d(c.data, c.shape));
      const stopFlag = theStopFlag();
      links = {
        above: m.above && new EdgeLink(m.above, stopFlag),
        below: m.below && new EdgeLink(m.below, stopFlag),
      };
      return { ok: true };
    }
    case 'forward':
      return forward(m);
    case 'backward':
      return backward(m);
  }
}

port.on('message', (m: BandRequest) => {
  handle(m).then(
    (reply) => port.postMessage(reply),
    (error: unknown) => port.postMessage({ ok: false, error: reportUnexpected(error, { where: 'style band worker' }).toErrorInfo() }),
  );
});
