// Runs anywhere. The messages between a style job (main side, band-pool.ts) and its band workers
// (band-worker.ts). Each request gets exactly one reply; rows travel as plain Float32Arrays (NHWC, one row
// = width × channels values). Two requests an iteration: 'forward' and 'backward'; the edge rows each 3×3
// conv needs pass between neighbouring workers directly (edge-link.ts), not through here.
import type { ErrorInfo } from '../../../api/errors.ts';
import type { BackendName } from '../../runtime/backend.ts';
import type { Pooling } from '../vgg19.ts';

export interface LayerArrays {
  name: string;
  kernelShape: [number, number, number, number];
  kernel: Float32Array;
  bias: Float32Array;
}

/** What the loss reads at one conv layer. */
export interface LayerRole {
  layer: number;
  content: boolean;
  style: boolean;
}

/** One layer's gradient scales for the backward pass (see band-pool.ts for the formulas). */
export interface LayerScales {
  layer: number;
  contentScale?: number;
  /** ĝ_G − ĝ_S, row-major [C, C], and its scale. */
  style?: { diff: Float32Array; scale: number };
}

export type BandRequest =
  /** `stop`: the job's StopFlag buffer, shared by every band. */
  | { op: 'init'; backend: BackendName; pooling: Pooling; deepest: number; layers: LayerArrays[]; stop: SharedArrayBuffer }
  /**
   * A stage: this band's rows of each content target, and its links to the bands above and below (absent at
   * the image's own edges).
   */
  | {
      op: 'stage';
      content: { layer: number; shape: [number, number, number, number]; data: Float32Array }[];
      above?: SharedArrayBuffer;
      below?: SharedArrayBuffer;
    }
  /**
   * The band's rows of the image (network input space, [1, rows, width, 3]) through every layer.
   * `firstStep`: the number of this iteration's first edge exchange, larger than any before it.
   */
  | { op: 'forward'; shape: [number, number, number, number]; data: Float32Array; roles: LayerRole[]; firstStep: number }
  /** From the deepest layer back to the image, with each loss layer's scales. */
  | { op: 'backward'; scales: LayerScales[] };

export type BandReply =
  | {
      ok: true;
      /** Σ(a − a_C)² over the band, per content layer. */
      contentSq?: { layer: number; value: number }[];
      /** FᵀF over the band, not normalised, row-major [C, C], per style layer. */
      grams?: { layer: number; gram: Float32Array }[];
      /** dJ/dx of the band's image rows (the end of 'backward'). */
      grad?: Float32Array;
      /** tfjs tensors alive in the worker: a leak check for tests. */
      tensors?: number;
    }
  | { ok: false; error: ErrorInfo };
