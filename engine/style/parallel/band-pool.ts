// Runs in the engine process, on the style job's thread. Its one job: one loss+gradient evaluation of a
// style job split across worker threads by rows. Each worker (band-worker.ts, its own wasm instance) holds
// one horizontal band of every map and swaps edge rows with its neighbours itself (edge-link.ts), so an
// iteration is two rounds here: 'forward', after which this thread sums the bands' Gram and content shares
// into the loss, and 'backward', which returns each band's rows of the image gradient. The optimiser, TV and
// plug-in terms stay here, on the full image.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { expectDefined, FaceKitError, throwIfCancelled } from '../../../api/errors.ts';
import { initBackend } from '../../runtime/backend.ts';
import type { BackendName } from '../../runtime/backend.ts';
import { tf } from '../../runtime/tf.ts';
import type { Tensor4D } from '../../runtime/tf.ts';
import { convLayerName, layerIndex } from '../vgg19.ts';
import type { Pooling, Vgg19Weights } from '../vgg19.ts';
import { addImageTerms, layerRoles } from '../loss.ts';
import type { LossAndGradient, LossSpec, LossTargets, LossTerms } from '../loss.ts';
import { bandRows, bandStarts, levelHeights, poolsUpTo } from './bands.ts';
import { createLinkBuffer, StopFlag } from './edge-link.ts';
import type { BandReply, BandRequest, LayerArrays, LayerScales } from './protocol.ts';

type Ok = Extract<BandReply, { ok: true }>;

/**
 * Row bands pay only on backends that run an op on one core: wasm under Node and tfjs's plain cpu. Native
 * TensorFlow already spreads each op over every core ('node') or runs it on the GPU ('gpu'); a band per core
 * would only add copies there (and a CUDA context per worker), so a job runs on one thread.
 */
export function bandsHelp(backend: BackendName): boolean {
  return backend === 'wasm' || backend === 'cpu';
}

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
  readonly #stop: StopFlag;
  #stage: StageGeometry | undefined;
  /** The next iteration's first edge-exchange step: every iteration's steps are new (see edge-link.ts). */
  #nextStep = 0;

  private constructor(workers: Worker[], deepest: number, channels: number[], stop: StopFlag) {
    this.#workers = workers;
    this.threads = workers.length;
    this.#deepest = deepest;
    this.#pools = poolsUpTo(deepest);
    this.#channels = channels;
    this.#stop = stop;
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
    const stop = new StopFlag();
    const pool = new BandParallelLoss(
      workers,
      deepest,
      layers.map((l) => l.kernelShape[3]),
      stop,
    );
    try {
      await pool.#all(() => ({ op: 'init', backend, pooling, deepest, layers, stop: stop.buffer }));
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

  /**
   * The same kind of request to every band of the current stage (all workers before the first stage). A band
   * that fails raises the stop flag, so that its neighbours stop waiting for its rows; every band has replied
   * before this settles, so no late reply is taken for the next request's.
   */
  async #all(request: (k: number) => BandRequest): Promise<Ok[]> {
    const n = this.#stage?.starts.length ?? this.#workers.length;
    const settled = await Promise.allSettled(
      Array.from({ length: n }, (_, k) =>
        this.#call(k, request(k)).catch((error: unknown) => {
          this.#stop.raise();
          throw error;
        }),
      ),
    );
    const failures = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    // The band that failed first is the cause; the others were stopped by it (CANCELLED).
    const cause = failures.find((e) => !(e instanceof FaceKitError && e.code === 'CANCELLED')) ?? failures[0];
    if (failures.length) throw cause;
    return settled.map((r) => (r as PromiseFulfilledResult<Ok>).value);
  }

  /** Cuts the stage into bands, links neighbouring bands and gives each worker its rows of the content targets. */
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
    const links = Array.from({ length: stage.starts.length - 1 }, () => createLinkBuffer(this.#widestRow(stage)));
    await this.#all((k) => ({
      op: 'stage',
      content: content.map((c) => {
        const { start, end } = bandRows(stage.starts, k, poolsUpTo(c.layer), stage.heights);
        const [, , w, ch] = c.shape;
        return { layer: c.layer, shape: [1, end - start, w, ch], data: c.data.slice(start * w * ch, end * w * ch) };
      }),
      above: links[k - 1],
      below: links[k],
    }));
  }

  /** The most values one edge row holds: a layer's input or output row (the same width) at its level. */
  #widestRow(stage: StageGeometry): number {
    let widest = 0;
    for (let i = 0; i <= this.#deepest; i++) {
      const width = expectDefined(stage.widths[poolsUpTo(i)], 'a level width');
      const inChannels = i === 0 ? 3 : expectDefined(this.#channels[i - 1], `the width of layer ${i - 1}`);
      widest = Math.max(widest, width * Math.max(inChannels, expectDefined(this.#channels[i], `the width of layer ${i}`)));
    }
    return widest;
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
    throwIfCancelled(signal);
    const plan = this.#plan(spec);
    const pixels = x.dataSync() as Float32Array;
    const rowLen = w * 3;
    const roles = [...plan].map(([layer, p]) => ({ layer, content: p.content !== undefined, style: p.style !== undefined }));
    const firstStep = this.#nextStep;
    this.#nextStep += 2 * (this.#deepest + 1);
    this.#stop.lower();
    const onAbort = () => this.#stop.raise();
    signal?.addEventListener('abort', onAbort);
    try {
      const forward = await this.#all((k) => {
        const { start, end } = bandRows(stage.starts, k, 0, stage.heights);
        return { op: 'forward', shape: [1, end - start, w, 3], data: pixels.slice(start * rowLen, end * rowLen), roles, firstStep };
      });
      const { terms, scales } = this.#lossTerms(forward, plan, stage, targets);
      const backward = await this.#all(() => ({ op: 'backward', scales }));
      const grad = tf.tensor4d(concatArrays(backward.map((r) => expectDefined(r.grad, 'a band image gradient'))), x.shape);
      return { terms, grad: expectDefined(addImageTerms(x, spec, terms, grad), 'the image gradient') };
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The network's loss terms from the bands' shares, and each loss layer's gradient scales for the backward pass. */
  #lossTerms(
    replies: Ok[],
    plan: Map<number, LayerPlan>,
    stage: StageGeometry,
    targets: LossTargets,
  ): { terms: LossTerms; scales: LayerScales[] } {
    const terms: LossTerms = { content: 0, style: 0, tv: 0, total: 0 };
    const scales: LayerScales[] = [];
    for (const [i, p] of plan) {
      const positions = expectDefined(stage.heights[p.level], 'a level height') * expectDefined(stage.widths[p.level], 'a level width');
      const c = p.channels;
      const s: LayerScales = { layer: i };
      if (p.content !== undefined) {
        const sq = replies.reduce((sum, r) => sum + layerShare(r.contentSq, i, 'a band content sum').value, 0);
        // α·J_content = k/(4·N)·Σ(a − a_C)², d/da = k/(2·N)·(a − a_C), N = every value of the layer.
        terms.content += (p.content * sq) / (4 * positions * c);
        s.contentScale = p.content / (2 * positions * c);
      }
      if (p.style !== undefined) {
        const gS = expectDefined(targets.grams.get(convLayerName(i)), `the style Gram target of ${convLayerName(i)}`);
        const g = sumArrays(replies.map((r) => layerShare(r.grams, i, 'a band Gram').gram));
        // Typed arrays are read outside tf.tidy, which would walk every index of its result.
        const d = tf.tidy(() => tf.sub(tf.div(tf.tensor2d(Float32Array.from(g), [c, c]), positions), gS));
        const cost = tf.tidy(() => tf.sum(tf.square(d)).dataSync()[0] ?? NaN);
        const diff = d.dataSync() as Float32Array;
        d.dispose();
        terms.style += (p.style * cost) / (4 * c * c);
        s.style = { diff, scale: p.style / (c * c * positions) };
      }
      scales.push(s);
    }
    return { terms, scales };
  }

  async close(): Promise<void> {
    this.#stop.raise();
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

/** A band's reply entry for conv layer `layer` (its content sum or Gram share). */
function layerShare<T extends { layer: number }>(entries: T[] | undefined, layer: number, what: string): T {
  return expectDefined(
    entries?.find((e) => e.layer === layer),
    `${what} of layer ${layer}`,
  );
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
