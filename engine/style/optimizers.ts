// Runs in the engine process. Adam and L-BFGS over one image tensor, written out by hand so that each
// "iteration" is exactly one loss+gradient evaluation (the expensive part): budgets, progress and ETA then
// mean the same thing for both. The callers own `x0`; the returned tensor is new and the caller disposes it.
import { tf } from '../runtime/tf.ts';
import type { Tensor4D } from '../runtime/tf.ts';

export interface Evaluation {
  loss: number;
  /** dJ/dx; the optimiser disposes it. */
  grad: Tensor4D;
}

/** One loss+gradient evaluation; may throw (e.g. CANCELLED), in which case the optimiser frees its state. */
export type Evaluate = (x: Tensor4D) => Promise<Evaluation>;

export interface AdamOptions {
  kind: 'adam';
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export interface LbfgsOptions {
  kind: 'lbfgs';
  /** Number of (s, y) pairs kept. */
  history: number;
  /** Largest pixel change (0…255 units) of the first, steepest-descent step; later steps start at t = 1. */
  initialStep: number;
  /** Halvings of the step before giving up on a direction (and resetting the history). */
  maxBacktracks: number;
}

export type OptimizerOptions = AdamOptions | LbfgsOptions;

export const ADAM_DEFAULTS: AdamOptions = { kind: 'adam', lr: 2, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
export const LBFGS_DEFAULTS: LbfgsOptions = { kind: 'lbfgs', history: 8, initialStep: 8, maxBacktracks: 4 };

/** Asked before every evaluation after the first: false ends the optimisation early (converged, out of time). */
export type KeepGoing = () => boolean;
const always: KeepGoing = () => true;

export function optimize(
  x0: Tensor4D,
  evaluate: Evaluate,
  iterations: number,
  options: OptimizerOptions,
  keepGoing: KeepGoing = always,
): Promise<Tensor4D> {
  return options.kind === 'adam' ? adam(x0, evaluate, iterations, options, keepGoing) : lbfgs(x0, evaluate, iterations, options, keepGoing);
}

/** Adam (Kingma & Ba), bias-corrected; at most `iterations` steps. */
export async function adam(
  x0: Tensor4D,
  evaluate: Evaluate,
  iterations: number,
  o: AdamOptions,
  keepGoing: KeepGoing = always,
): Promise<Tensor4D> {
  let x = tf.clone(x0);
  let m: Tensor4D = tf.zerosLike(x0);
  let v: Tensor4D = tf.zerosLike(x0);
  try {
    for (let t = 1; t <= iterations && (t === 1 || keepGoing()); t++) {
      const { grad } = await evaluate(x);
      const next = tf.tidy(() => {
        const mNew: Tensor4D = tf.add(tf.mul(m, o.beta1), tf.mul(grad, 1 - o.beta1));
        const vNew: Tensor4D = tf.add(tf.mul(v, o.beta2), tf.mul(tf.square(grad), 1 - o.beta2));
        const stepSize = (o.lr * Math.sqrt(1 - o.beta2 ** t)) / (1 - o.beta1 ** t);
        const xNew: Tensor4D = tf.sub(x, tf.mul(tf.div(mNew, tf.add(tf.sqrt(vNew), o.epsilon)), stepSize));
        return { m: mNew, v: vNew, x: xNew };
      });
      grad.dispose();
      m.dispose();
      v.dispose();
      x.dispose();
      ({ m, v, x } = next);
    }
    const out = x;
    x = tf.zerosLike(x0); // keeps `finally` uniform
    return out;
  } finally {
    x.dispose();
    m.dispose();
    v.dispose();
  }
}

function dot(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.sum<tf.Scalar>(tf.mul(a, b)).arraySync()); // a sum over all axes is a scalar
}

/** One (s, y) pair of the L-BFGS history: a step and the change of gradient it made; rho = 1 / sᵀy. */
interface CurvaturePair {
  s: tf.Tensor;
  y: tf.Tensor;
  rho: number;
}

/**
 * L-BFGS (two-loop recursion) with a backtracking Armijo line search. Robustness rules: a direction that
 * is not a descent direction, a line search that fails, or a pair with non-positive curvature (sᵀy ≤ 0)
 * clears the history and falls back to scaled steepest descent. Returns the best accepted point.
 */
export async function lbfgs(
  x0: Tensor4D,
  evaluate: Evaluate,
  iterations: number,
  o: LbfgsOptions,
  keepGoing: KeepGoing = always,
): Promise<Tensor4D> {
  const c1 = 1e-4;
  const hist: CurvaturePair[] = [];
  const clearHistory = () => {
    for (const h of hist) {
      h.s.dispose();
      h.y.dispose();
    }
    hist.length = 0;
  };
  let x = tf.clone(x0);
  let g: Tensor4D | undefined;
  let d: tf.Tensor | undefined;
  let xTry: Tensor4D | undefined;
  let gTry: Tensor4D | undefined;
  try {
    if (iterations <= 0) {
      const out = x;
      x = tf.clone(x0);
      return out;
    }
    const first = await evaluate(x);
    let f = first.loss;
    g = first.grad;
    let evals = 1;
    let sdStep = o.initialStep; // shrinks when even steepest descent fails its line search
    while (evals < iterations && keepGoing()) {
      // Search direction d = −H·g.
      const gRef = g;
      d = tf.tidy(() => {
        const last = hist.at(-1);
        if (!last) return tf.neg(gRef);
        // Two-loop recursion: newest pair to oldest, keeping each pair's α, then back from oldest to newest.
        let q: tf.Tensor = gRef;
        const withAlpha: { h: CurvaturePair; a: number }[] = [];
        for (const h of [...hist].reverse()) {
          const a = h.rho * dot(h.s, q);
          withAlpha.push({ h, a });
          q = tf.sub(q, tf.mul(h.y, a));
        }
        const gamma = 1 / (last.rho * dot(last.y, last.y)); // sᵀy / yᵀy
        let r = tf.mul(q, gamma);
        for (const { h, a } of withAlpha.reverse()) {
          const b = h.rho * dot(h.y, r);
          r = tf.add(r, tf.mul(h.s, a - b));
        }
        return tf.neg(r);
      });
      let gtd = dot(g, d);
      if (!(gtd < 0) || !Number.isFinite(gtd)) {
        // Not a descent direction: forget the curvature model and go downhill.
        clearHistory();
        d.dispose();
        d = tf.neg(g);
        gtd = dot(g, d);
      }
      let t = 1;
      if (!hist.length) {
        const dRef = d;
        const maxAbs = tf.tidy(() => tf.max<tf.Scalar>(tf.abs(dRef)).arraySync()); // a max over all axes is a scalar
        t = maxAbs > 0 ? sdStep / maxAbs : 0;
      }
      if (t === 0) break; // zero gradient: converged
      let fTry = Infinity;
      // A stop mid-search leaves no accepted point: the loop below then ends on the last accepted x.
      for (let k = 0; k <= o.maxBacktracks && evals < iterations && (k === 0 || keepGoing()); k++) {
        const step = t;
        const dRef = d;
        xTry = tf.tidy(() => tf.add<Tensor4D>(x, tf.mul(dRef, step)));
        const r = await evaluate(xTry);
        evals++;
        fTry = r.loss;
        gTry = r.grad;
        if (Number.isFinite(fTry) && fTry <= f + c1 * t * gtd) break; // accepted: xTry and gTry stay set
        xTry.dispose();
        gTry.dispose();
        xTry = gTry = undefined;
        t *= 0.5;
      }
      d.dispose();
      d = undefined;
      const accepted = xTry && gTry ? { x: xTry, g: gTry } : undefined;
      if (!accepted) {
        // Line search failed (or budget ran out mid-search): restart from steepest descent next time.
        if (!hist.length) sdStep *= 0.5 ** (o.maxBacktracks + 1);
        clearHistory();
        continue;
      }
      const s = tf.sub(accepted.x, x);
      const y = tf.sub(accepted.g, g);
      const sy = dot(s, y);
      if (sy > 1e-10 * Math.sqrt(dot(s, s) * dot(y, y))) {
        hist.push({ s, y, rho: 1 / sy });
        // Drop the oldest pair once there are more than `history`.
        for (const old of hist.splice(0, hist.length - o.history)) {
          old.s.dispose();
          old.y.dispose();
        }
      } else {
        s.dispose();
        y.dispose();
        clearHistory();
      }
      x.dispose();
      g.dispose();
      x = accepted.x;
      g = accepted.g;
      xTry = gTry = undefined;
      f = fTry;
    }
    const out = x;
    x = tf.clone(x0);
    return out;
  } finally {
    clearHistory();
    for (const t of [x, g, d, xTry, gTry]) t?.dispose();
  }
}
