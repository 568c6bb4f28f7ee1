// Runs anywhere. The messages between a style job (main side, band-pool.ts) and its band workers
// (band-worker.ts). Each request gets exactly one reply; rows travel as plain Float32Arrays (NHWC, one row
// = width × channels values).
import type { ErrorInfo } from '../../../api/errors.ts';
import type { BackendName } from '../../runtime/backend.ts';
import type { Pooling } from '../vgg19.ts';

export interface LayerArrays {
  name: string;
  kernelShape: [number, number, number, number];
  kernel: Float32Array;
  bias: Float32Array;
}

/** The first and last row of a band's map (absent for the deepest layer, which feeds nothing). */
export interface EdgeRows {
  first?: Float32Array;
  last?: Float32Array;
}

export type BandRequest =
  | { op: 'init'; backend: BackendName; pooling: Pooling; deepest: number; layers: LayerArrays[] }
  /** A stage's content targets, this band's rows of each content layer. */
  | { op: 'stage'; content: { layer: number; shape: [number, number, number, number]; data: Float32Array }[] }
  /** The band's rows of the image (network input space), [1, rows, width, 3]. */
  | { op: 'begin'; shape: [number, number, number, number]; data: Float32Array }
  /** Forward through conv layer `layer`; `above`/`below`: the neighbours' rows next to this band. */
  | { op: 'forward'; layer: number; above?: Float32Array; below?: Float32Array; content: boolean; style: boolean }
  /** Gradient w.r.t. layer `layer`'s pre-ReLU output, from upstream plus this layer's own loss terms. */
  | { op: 'dz'; layer: number; contentScale?: number; style?: { diff: Float32Array; scale: number } }
  /** Gradient w.r.t. layer `layer`'s input (through the pooling before it, if any). */
  | { op: 'back'; layer: number; above?: Float32Array; below?: Float32Array };

export type BandReply =
  | ({ ok: true } & EdgeRows & {
        /** Σ(a − a_C)² over the band (content layers). */
        contentSq?: number;
        /** FᵀF over the band, not normalised (style layers), row-major [C, C]. */
        gram?: Float32Array;
        /** dJ/dx of the band's image rows (the 'back' of layer 0). */
        grad?: Float32Array;
        /** tfjs tensors alive in the worker: a leak check for tests. */
        tensors?: number;
      })
  | { ok: false; error: ErrorInfo };
