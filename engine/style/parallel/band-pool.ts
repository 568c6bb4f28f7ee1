// Runs in the engine process, on the style job's thread. Its one job: one loss+gradient evaluation of a
// style job split across worker threads by rows. Each worker (band-worker.ts, its own wasm instance) holds
// one horizontal band of every map; before each 3×3 conv (forward) and each input-gradient conv (backward)
// this thread passes every band its neighbours' edge rows, and it sums the bands' Gram and content shares
// into the loss. The optimiser, TV and plug-in terms stay here, on the full image.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { expectDefined, FaceKitError, throwIfCancelled } from '../../../api/errors.ts';
import { initBackend } from '../../runtime/backend.ts';
import { tf } from '../../runtime/tf.ts';
import type { Tensor4D } from '../../runtime/tf.ts';
import { convLayerName, layerIndex } from '../vgg19.ts';
import type { Pooling, Vgg19Weights } from '../vgg19.ts';
import { addImageTerms, layerRoles } from '../loss.ts';
import type { LossAndGradient, LossSpec, LossTargets, LossTerms } from '../loss.ts';
import { bandRows, bandStarts, levelHeights, poolsUpTo } from './bands.ts';
import type { BandReply, BandRequest, LayerArrays } from './protocol.ts';

type Ok = Extract<BandReply, { ok: true }>;

/** A stage's geometry: image size, band starts (input rows), map heights/widths at each pooling level. */
interface StageGeometry {
  height: number;
  width: number;
  starts: number[];
  heights: number[];
  widths: number[];
}

/** What the loss needs of one layer: its pooling level, width in channels, and roles. */
interface LayerPlan {
  level: number;
  channels: number;
  content?: number;
  style?: number;
}

export class BandParallelLoss {
  readonly threads: number;
  readonly #workers: Worker[];
  readonly #deepest: number;
  readonly #pools: number;
  readonly #channels: number[];
  #stage: StageGeometry | undefined;

  private constructor(workers: Worker[], deepest: number, channels: number[]) {
    this.#workers = workers;
    this.threads = workers.length;
    this.#deepest = deepest;
    this.#pools = poolsUpTo(deepest);
    this.#channels = channels;
  }

  /** Starts `threads` workers and gives each the weights up to `deepest` (copied: each has its own heap). */
  static async start(weights: Vgg19Weights, pooling: Pooling, deepest: number, threads: number): Promise<BandParallelLoss> {
    const backend = (await initBackend()).name;
    const layers: LayerArrays[] = [];
    for (let i = 0; i <= deepest; i++) {
      const name = convLayerName(i);
      const w = expectDefined(weights.get(name), `the weights of ${name}`);
      layers.push({
        name,
        kernelShape: w.kernel.shape,
        kernel: w.kernel.dataSync() as Float32Array,
        bias: w.bias.dataSync() as Float32Array,
      });
    }
    const workers = Array.from({ length: threads }, startBandWorker);
    const pool = new BandParallelLoss(
      workers,
      deepest,
      layers.map((l) => l.kernelShape[3]),
    );
    try {
      await pool.#all(() => ({ op: 'init', backend, pooling, deepest, layers }));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** One request to worker k, one reply; a worker that dies fails the call. */
  #call(k: number, request: BandRequest): Promise<Ok> {
    const worker = expectDefined(this.#workers[k], `band worker ${k}`);
    return new Promise((resolve, reject) => {
      const done = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (reply: BandReply) => {
        done();
        if (reply.ok) resolve(reply);
        else reject(FaceKitError.fromErrorInfo(reply.error));
      };
      const onError = (error: Error) => {
        done();
        reject(error);
      };
      const onExit = (code: number) => {
        done();
        reject(new FaceKitError('INTERNAL', `a style band worker exited (code ${code})`));
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(request);
    });
  }

  /** The same kind of request to every band of the current stage (all workers before the first stage). */
  #all(request: (k: number) => BandRequest): Promise<Ok[]> {
    const n = this.#stage?.starts.length ?? this.#workers.length;
    return Promise.all(Array.from({ length: n }, (_, k) => this.#call(k, request(k))));
  }

  /** Cuts the stage into bands and gives each worker its rows of the content targets. */
  async prepareStage(height: number, width: number, targets: LossTargets): Promise<void> {
    const stage: StageGeometry = {
      height,
      width,
      starts: bandStarts(height, this.threads, this.#pools),
      heights: levelHeights(height, this.#pools),
      widths: levelHeights(width, this.#pools),
    };
    this.#stage = stage;
    const content = [...targets.content].map(([name, t]) => ({
      layer: layerIndex(name),
      data: t.dataSync() as Float32Array,
      shape: t.shape,
    }));
    await this.#all((k) => ({
      op: 'stage',
      content: content.map((c) => {
        const { start, end } = bandRows(stage.starts, k, poolsUpTo(c.layer), stage.heights);
        const [, , w, ch] = c.shape;
        return { layer: c.layer, shape: [1, end - start, w, ch], data: c.data.slice(start * w * ch, end * w * ch) };
      }),
    }));
  }

  /** How many of this thread's workers the current stage uses (short images get fewer bands). */
  get bands(): number {
    return this.#stage?.starts.length ?? 0;
  }

  #plan(spec: LossSpec): Map<number, LayerPlan> {
    const plan = new Map<number, LayerPlan>();
    for (const [name, role] of layerRoles(spec)) {
      const i = layerIndex(name);
      plan.set(i, { level: poolsUpTo(i), channels: expectDefined(this.#channels[i], `the width of layer ${i}`), ...role });
    }
    return plan;
  }

  /** Loss terms and dJ/dx for image `x` (network space, the prepared stage's size); the caller disposes the gradient. */
  async lossAndGradient(x: Tensor4D, targets: LossTargets, spec: LossSpec, signal?: AbortSignal): Promise<LossAndGradient> {
    const stage = expectDefined(this.#stage, 'a prepared stage (prepareStage comes first)');
    const [, h, w] = x.shape;
    if (h !== stage.height || w !== stage.width)
      throw new FaceKitError('INTERNAL', `image ${w}×${h} for a stage prepared at ${stage.width}×${stage.height}`);
    const plan = this.#plan(spec);
    const pixels = x.dataSync() as Float32Array;
    const rowLen = w * 3;
    const rows = (k: number) => bandRows(stage.starts, k, 0, stage.heights);
    await this.#all((k) => {
      const { start, end } = rows(k);
      return { op: 'begin', shape: [1, end - start, w, 3], data: pixels.slice(start * rowLen, end * rowLen) };
    });
    const n = stage.starts.length;
    // Halo rows for layer 0 come from the image; later ones from the bands' replies.
    let above: (Float32Array | undefined)[] = Array.from({ length: n }, (_, k) =>
      k ? pixels.slice((rows(k).start - 1) * rowLen, rows(k).start * rowLen) : undefined,
    );
    let below: (Float32Array | undefined)[] = Array.from({ length: n }, (_, k) =>
      k < n - 1 ? pixels.slice(rows(k).end * rowLen, (rows(k).end + 1) * rowLen) : undefined,
    );
    const contentSq = new Map<number, number>();
    const grams = new Map<number, Float64Array>();
    for (let i = 0; i <= this.#deepest; i++) {
      throwIfCancelled(signal);
      const p = plan.get(i);
      const layerAbove = above;
      const layerBelow = below;
      const replies = await this.#all((k) => ({
        op: 'forward',
        layer: i,
        above: layerAbove[k],
        below: layerBelow[k],
        content: p?.content !== undefined,
        style: p?.style !== undefined,
      }));
      if (p?.content !== undefined)
        contentSq.set(
          i,
          replies.reduce((s, r) => s + expectDefined(r.contentSq, 'a band content sum'), 0),
        );
      if (p?.style !== undefined) grams.set(i, sumArrays(replies.map((r) => expectDefined(r.gram, 'a band Gram'))));
      ({ above, below } = neighbourRows(replies));
    }
    const terms: LossTerms = { content: 0, style: 0, tv: 0, total: 0 };
    const scales = new Map<number, { contentScale?: number; style?: { diff: Float32Array; scale: number } }>();
    for (const [i, p] of plan) {
      const positions = expectDefined(stage.heights[p.level], 'a level height') * expectDefined(stage.widths[p.level], 'a level width');
      const c = p.channels;
      const s: { contentScale?: number; style?: { diff: Float32Array; scale: number } } = {};
      if (p.content !== undefined) {
        // α·J_content = k/(4·N)·Σ(a − a_C)², d/da = k/(2·N)·(a − a_C), N = every value of the layer.
        terms.content += (p.content * expectDefined(contentSq.get(i), 'a content sum')) / (4 * positions * c);
        s.contentScale = p.content / (2 * positions * c);
      }
      if (p.style !== undefined) {
        const gS = expectDefined(targets.grams.get(convLayerName(i)), `the style Gram target of ${convLayerName(i)}`);
        const g = expectDefined(grams.get(i), 'a summed Gram');
        // Typed arrays are read outside tf.tidy, which would walk every index of its result.
        const d = tf.tidy(() => tf.sub(tf.div(tf.tensor2d(Float32Array.from(g), [c, c]), positions), gS));
        const cost = tf.tidy(() => tf.sum(tf.square(d)).dataSync()[0] ?? NaN);
        const diff = d.dataSync() as Float32Array;
        d.dispose();
        terms.style += (p.style * cost) / (4 * c * c);
        s.style = { diff, scale: p.style / (c * c * positions) };
      }
      scales.set(i, s);
    }
    let gradBands: Float32Array[] = [];
    for (let i = this.#deepest; i >= 0; i--) {
      throwIfCancelled(signal);
      const s = scales.get(i) ?? {};
      const dz = await this.#all(() => ({ op: 'dz', layer: i, ...s }));
      const edges = neighbourRows(dz);
      const back = await this.#all((k) => ({ op: 'back', layer: i, above: edges.above[k], below: edges.below[k] }));
      if (i === 0) gradBands = back.map((r) => expectDefined(r.grad, 'a band image gradient'));
    }
    const grad = tf.tensor4d(concatArrays(gradBands), x.shape);
    return { terms, grad: expectDefined(addImageTerms(x, spec, terms, grad), 'the image gradient') };
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

/**
 * The Electron build bundles the band worker next to the engine worker (scripts/build-electron.mjs);
 * from TypeScript source it runs through tsx.
 */
function startBandWorker(): Worker {
  const bundled = new URL('./style-band-worker.js', import.meta.url);
  if (import.meta.url.endsWith('.js') && fs.existsSync(fileURLToPath(bundled))) return new Worker(bundled);
  return new Worker(new URL('../../workers/ts-worker-boot.mjs', import.meta.url), {
    workerData: { module: new URL('./band-worker.ts', import.meta.url).href },
  });
}

/** Each band's halo for the next conv: the last row of the band above, the first row of the band below. */
function neighbourRows(replies: Ok[]): { above: (Float32Array | undefined)[]; below: (Float32Array | undefined)[] } {
  return {
    above: replies.map((_, k) => (k ? replies[k - 1]?.last : undefined)),
    below: replies.map((_, k) => replies[k + 1]?.first),
  };
}

/** Element-wise sum in float64 (the bands' Gram shares). */
function sumArrays(parts: Float32Array[]): Float64Array {
  const out = new Float64Array(parts[0]?.length ?? 0);
  for (const p of parts) for (let j = 0; j < p.length; j++) out[j] = (out[j] ?? 0) + (p[j] ?? 0);
  return out;
}

function concatArrays(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
