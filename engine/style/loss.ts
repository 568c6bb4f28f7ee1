// Runs in the engine process. The Gatys et al. loss (content + Gram-matrix style + total variation + an
// optional plug-in term) and its gradient w.r.t. the generated image, two ways:
//  - lossAndGradient: FaceKit's path, one forward pass and a hand-written backward pass (see Vgg19Net);
//  - stockLossAndGradient: the same loss through tf.valueAndGrad, for tests and the benchmark.
// The image being optimised, `x`, lives in the network's input space (BGR, ImageNet mean subtracted).
import { tf } from '../runtime/tf.ts';
import type { Tensor2D, Tensor4D } from '../runtime/tf.ts';
import { expectDefined, throwIfCancelled } from '../../api/errors.ts';
import { Vgg19Net, convLayerName, deprocess, layerIndex, pool2, pool2Backward, pooledBefore, vggActivations } from './vgg19.ts';
import type { Pooling, Vgg19Weights } from './vgg19.ts';

export interface LayerWeight {
  layer: string;
  weight: number;
}

/** A differentiable extra term on the generated image (RGB 0…255, unclipped), e.g. a face-identity loss. */
export interface ExtraLoss {
  weight: number;
  fn: (generatedRgb: Tensor4D) => tf.Scalar;
  /**
   * When set, `weight` is scaled so that fn = `reference` costs `weight` × the starting image's
   * content+style+tv loss: the term keeps its meaning whatever the image size, layers and α/β.
   */
  relativeTo?: { reference: number };
  /** Called at the start of each stage with that stage's content image (RGB 0…255), e.g. to compute targets at its size. */
  prepareStage?: (contentRgb: Tensor4D) => void;
}

export interface LossSpec {
  contentLayers: LayerWeight[];
  styleLayers: LayerWeight[];
  /** α: weight of the content cost. */
  alpha: number;
  /** β: weight of the style cost. */
  beta: number;
  /** Weight of the total-variation cost (mean squared neighbour difference, in 0…255 pixel units). */
  tvWeight: number;
  pooling: Pooling;
  extraLoss?: ExtraLoss;
}

/**
 * What the generated image is compared with. Grams are stored normalised by the layer's pixel count
 * (ĝ = FᵀF / (nH·nW)); then the course's 1/(4·nC²·(nH·nW)²)·Σ(G_S − G_G)² equals 1/(4·nC²)·Σ(ĝ_S − ĝ_G)²,
 * which stays meaningful when the style image and the generated image differ in size.
 */
export interface LossTargets {
  content: Map<string, Tensor4D>;
  grams: Map<string, Tensor2D>;
}

/** Weighted contributions (α·J_content, β·J_style, tv·TV, weight·extra); `total` is their sum. */
export interface LossTerms {
  content: number;
  style: number;
  tv: number;
  extra?: number;
  total: number;
}

export interface LossAndGradient {
  terms: LossTerms;
  /** dJ/dx, same shape as x; the caller disposes it. */
  grad: Tensor4D;
}

/** The deepest conv layer any loss term needs: the forward pass stops there. */
export function deepestLayer(spec: Pick<LossSpec, 'contentLayers' | 'styleLayers'>): number {
  return Math.max(...spec.contentLayers.map((l) => layerIndex(l.layer)), ...spec.styleLayers.map((l) => layerIndex(l.layer)));
}

// ---- formulas (shared by both paths and checked by the tests on tiny tensors) ----

/** J_content = 1/(4·nH·nW·nC) · Σ(a_C − a_G)². */
export function contentCost(aG: Tensor4D, aC: Tensor4D): tf.Scalar {
  return tf.tidy(() => tf.div(tf.sum(tf.squaredDifference(aG, aC)), 4 * aG.size));
}

/**
 * Gram matrix normalised by the pixel count, [nC, nC]. The explicit transpose of the 4-D activation
 * followed by a plain matMul is several times faster on wasm than matMul(F, F, transposeA) or a 2-D transpose.
 */
export function gramNormalized(a: Tensor4D): Tensor2D {
  return tf.tidy(() => {
    const [, h, w, c] = a.shape;
    const f = tf.reshape(a, [h * w, c]);
    const ft = tf.reshape(tf.transpose(a, [0, 3, 1, 2]), [c, h * w]);
    return tf.div(tf.matMul(ft, f), h * w);
  });
}

/** Per-layer style cost from normalised Grams: 1/(4·nC²) · Σ(ĝ_S − ĝ_G)² (= the course's formula). */
export function styleLayerCost(gG: Tensor2D, gS: Tensor2D): tf.Scalar {
  const c = gG.shape[0];
  return tf.tidy(() => tf.div(tf.sum(tf.squaredDifference(gG, gS)), 4 * c * c));
}

/** TV(x) = (Σ(x[i+1,j] − x[i,j])² + Σ(x[i,j+1] − x[i,j])²) / (nH·nW·nC): size-independent. */
export function tvCost(x: Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const [, h, w, c] = x.shape;
    const dy = tf.sub(tf.slice(x, [0, 1, 0, 0], [1, h - 1, w, c]), tf.slice(x, [0, 0, 0, 0], [1, h - 1, w, c]));
    const dx = tf.sub(tf.slice(x, [0, 0, 1, 0], [1, h, w - 1, c]), tf.slice(x, [0, 0, 0, 0], [1, h, w - 1, c]));
    return tf.div(tf.add(tf.sum(tf.square(dy)), tf.sum(tf.square(dx))), x.size);
  });
}

/** dTV/dx, by hand: each difference d = x₂ − x₁ adds 2d to x₂ and −2d to x₁. */
function tvGradient(x: Tensor4D, scale: number): Tensor4D {
  return tf.tidy(() => {
    const [, h, w, c] = x.shape;
    const dy = tf.sub(tf.slice(x, [0, 1, 0, 0], [1, h - 1, w, c]), tf.slice(x, [0, 0, 0, 0], [1, h - 1, w, c]));
    const dx = tf.sub(tf.slice(x, [0, 0, 1, 0], [1, h, w - 1, c]), tf.slice(x, [0, 0, 0, 0], [1, h, w - 1, c]));
    const gy = tf.sub(
      tf.pad(dy, [
        [0, 0],
        [1, 0],
        [0, 0],
        [0, 0],
      ]),
      tf.pad(dy, [
        [0, 0],
        [0, 1],
        [0, 0],
        [0, 0],
      ]),
    );
    const gx = tf.sub(
      tf.pad(dx, [
        [0, 0],
        [0, 0],
        [1, 0],
        [0, 0],
      ]),
      tf.pad(dx, [
        [0, 0],
        [0, 0],
        [0, 1],
        [0, 0],
      ]),
    );
    return tf.mul(tf.add(gy, gx), (2 * scale) / x.size);
  });
}

/** Content activations and blended, normalised style Grams. `styles` are preprocessed style images. */
export function computeTargets(
  weights: Vgg19Weights,
  spec: Pick<LossSpec, 'contentLayers' | 'styleLayers' | 'pooling'>,
  content: Tensor4D,
  styles: { image: Tensor4D; weight: number }[],
): LossTargets {
  const contentNames = spec.contentLayers.map((l) => l.layer);
  const styleNames = spec.styleLayers.map((l) => l.layer);
  const targets: LossTargets = { content: new Map(), grams: new Map() };
  if (contentNames.length) {
    tf.tidy(() => {
      const acts = vggActivations(weights, content, contentNames, spec.pooling);
      for (const name of contentNames) targets.content.set(name, tf.keep(activation(acts, name)));
    });
  }
  if (styleNames.length) {
    const total = styles.reduce((s, st) => s + st.weight, 0);
    for (const st of styles) {
      tf.tidy(() => {
        const acts = vggActivations(weights, st.image, styleNames, spec.pooling);
        for (const name of styleNames) {
          const g = tf.mul(gramNormalized(activation(acts, name)), st.weight / total);
          const prev = targets.grams.get(name);
          targets.grams.set(name, tf.keep(prev ? tf.add(prev, g) : g) as Tensor2D);
          prev?.dispose();
        }
      });
    }
  }
  return targets;
}

/** A layer's activation from vggActivations, which returns every layer it was asked for. */
function activation(acts: Map<string, Tensor4D>, layer: string): Tensor4D {
  return expectDefined(acts.get(layer), `the activation of ${layer}`);
}

/** The targets of a layer the spec weighs: computeTargets made them from the same spec. */
function contentTarget(targets: LossTargets, layer: string): Tensor4D {
  return expectDefined(targets.content.get(layer), `the content target of ${layer}`);
}

function gramTarget(targets: LossTargets, layer: string): Tensor2D {
  return expectDefined(targets.grams.get(layer), `the style Gram target of ${layer}`);
}

export function disposeTargets(targets: LossTargets): void {
  for (const t of targets.content.values()) t.dispose();
  for (const t of targets.grams.values()) t.dispose();
  targets.content.clear();
  targets.grams.clear();
}

export interface LayerRole {
  content?: number; // α · layer weight
  style?: number; // β · layer weight
}

export function layerRoles(spec: LossSpec): Map<string, LayerRole> {
  const roles = new Map<string, LayerRole>();
  for (const { layer, weight } of spec.contentLayers) {
    const r = roles.get(layer) ?? {};
    r.content = (r.content ?? 0) + spec.alpha * weight;
    roles.set(layer, r);
  }
  for (const { layer, weight } of spec.styleLayers) {
    const r = roles.get(layer) ?? {};
    r.style = (r.style ?? 0) + spec.beta * weight;
    roles.set(layer, r);
  }
  return roles;
}

/** Lets timers and abort events run between layers, so a cancel lands within one layer's work. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * FaceKit's path: loss terms and dJ/dx in one forward + one hand-written backward pass. Each layer runs in
 * its own tf.tidy; the activations the backward pass needs are kept in a list and freed in `finally`, so
 * a cancel (checked between layers) or an error leaves no tensors behind.
 */
export async function lossAndGradient(
  net: Vgg19Net,
  x: Tensor4D,
  targets: LossTargets,
  spec: LossSpec,
  signal?: AbortSignal,
): Promise<LossAndGradient> {
  const { terms, grad } = await facekitPass(net, x, targets, spec, signal, true);
  return { terms, grad: expectDefined(grad, 'the gradient of the backward pass') };
}

/** FaceKit's forward pass alone (the same ops as lossAndGradient, no backward): the loss terms. */
export async function facekitLoss(
  net: Vgg19Net,
  x: Tensor4D,
  targets: LossTargets,
  spec: LossSpec,
  signal?: AbortSignal,
): Promise<LossTerms> {
  return (await facekitPass(net, x, targets, spec, signal, false)).terms;
}

async function facekitPass(
  net: Vgg19Net,
  x: Tensor4D,
  targets: LossTargets,
  spec: LossSpec,
  signal: AbortSignal | undefined,
  withGradient: boolean,
): Promise<{ terms: LossTerms; grad?: Tensor4D }> {
  const roles = layerRoles(spec);
  const deepest = deepestLayer(spec);
  // Memory matters as much as speed (wasm has a 4 GB heap): the forward pass keeps only what the backward
  // pass needs (post-ReLU activations, pooled maps); each is freed as soon as the backward pass is past
  // it, and the large temporaries of a step are freed eagerly rather than at the end of a tidy.
  const acts: (Tensor4D | undefined)[] = [];
  const pooled: (Tensor4D | undefined)[] = [];
  const scalars: { kind: 'content' | 'style'; value: tf.Scalar }[] = [];
  let grad: Tensor4D | undefined;

  /** Loss terms at layer i (pushed to `scalars`) and, if asked, their gradient w.r.t. the activation. */
  const layerLoss = (i: number, a: Tensor4D, wantGrad: boolean): Tensor4D | undefined => {
    const layer = convLayerName(i);
    const role = roles.get(layer);
    if (!role) return undefined;
    return tf.tidy(() => {
      const [, h, w, c] = a.shape;
      let g: Tensor4D | undefined;
      if (role.content !== undefined) {
        const aC = contentTarget(targets, layer);
        scalars.push({ kind: 'content', value: tf.keep(tf.mul(contentCost(a, aC), role.content)) });
        // d/da of k/(4·N)·Σ(a − a_C)² = k/(2·N)·(a − a_C)
        if (wantGrad) g = tf.mul<Tensor4D>(tf.sub(a, aC), role.content / (2 * a.size));
      }
      if (role.style !== undefined) {
        const gS = gramTarget(targets, layer);
        const diff = tf.sub(gramNormalized(a), gS);
        scalars.push({ kind: 'style', value: tf.keep(tf.mul(tf.div(tf.sum(tf.square(diff)), 4 * c * c), role.style)) });
        if (wantGrad) {
          // d/dF of k/(4·nC²)·Σ(FᵀF/N − ĝ_S)² = k/(nC²·N) · F·(ĝ_G − ĝ_S)   (ĝ symmetric)
          const f = tf.reshape(a, [h * w, c]);
          const gs: Tensor4D = tf.reshape(tf.mul(tf.matMul(f, diff), role.style / (c * c * h * w)), a.shape);
          g = g ? tf.add<Tensor4D>(g, gs) : gs;
        }
      }
      return g;
    });
  };

  try {
    let previous = x; // the previous layer's activation; the image itself before layer 0
    for (let i = 0; i <= deepest; i++) {
      await yieldToEventLoop();
      throwIfCancelled(signal);
      let input = previous;
      if (pooledBefore(i)) {
        const prev = input;
        input = pooled[i] = tf.tidy(() => pool2(prev, net.pooling));
      }
      const a = (acts[i] = tf.tidy(() => net.conv(i, input)));
      if (!withGradient) {
        layerLoss(i, a, false);
        // Without a backward pass, only the previous activation is ever needed.
        if (i > 0) acts[i - 1] = void previous.dispose();
        const pooledIn = pooled[i];
        if (pooledIn) pooled[i] = void pooledIn.dispose();
      }
      previous = a;
    }
    if (withGradient) {
      for (let i = deepest; i >= 0; i--) {
        await yieldToEventLoop();
        throwIfCancelled(signal);
        const a = expectDefined(acts[i], `the activation of layer ${i}`);
        const local = layerLoss(i, a, true);
        let dA = grad;
        if (local && grad) {
          dA = tf.add<Tensor4D>(grad, local);
          grad.dispose();
          local.dispose();
        } else if (local) dA = local;
        grad = undefined;
        // The deepest layer always has a loss term, so a gradient flows from there on.
        const upstream = expectDefined(dA, `the gradient w.r.t. the activation of layer ${i}`);
        const dz = tf.tidy(() => tf.mul<Tensor4D>(upstream, tf.step(a)));
        upstream.dispose();
        grad = net.convInputGradient(i, dz);
        dz.dispose();
        acts[i] = void a.dispose();
        const pooledIn = pooled[i];
        if (pooledIn) {
          const dIn = grad;
          grad = pool2Backward(expectDefined(acts[i - 1], `the activation of layer ${i - 1}`), pooledIn, dIn, net.pooling);
          dIn.dispose();
          pooled[i] = void pooledIn.dispose();
        }
      }
    }
    const terms = sumTerms(scalars);
    // From here on `grad` is set exactly when withGradient is (the backward pass always makes one).
    const network = grad;
    grad = undefined; // handed over: addImageTerms frees it on error
    return { terms, grad: addImageTerms(x, spec, terms, network) };
  } finally {
    grad?.dispose();
    for (const t of [...acts, ...pooled]) t?.dispose();
    for (const s of scalars) s.value.dispose();
  }
}

/**
 * The terms computed on the image itself, after the network's: total variation and the plug-in term. Adds
 * them to `terms` (and sets `terms.total`); with a gradient, returns it with theirs added (`grad` is
 * consumed). Shared by the one-thread pass and the band-parallel one (parallel/band-pool.ts).
 */
export function addImageTerms(x: Tensor4D, spec: LossSpec, terms: LossTerms, grad: Tensor4D | undefined): Tensor4D | undefined {
  try {
    if (spec.tvWeight > 0) {
      terms.tv = tf.tidy(() => tvCost(x).arraySync() * spec.tvWeight);
      if (grad) {
        const before = grad;
        grad = tf.tidy(() => tf.add<Tensor4D>(before, tvGradient(x, spec.tvWeight)));
        before.dispose();
      }
    }
    if (spec.extraLoss) {
      const extra = spec.extraLoss;
      if (grad) {
        const before = grad;
        const { value, g } = tf.tidy(() => {
          // Only this term goes through tf.grad: it is small next to VGG, and its network is the caller's.
          const r = tf.valueAndGrad((v: Tensor4D) => tf.mul<tf.Scalar>(extra.fn(deprocess(v)), extra.weight))(x);
          return { value: r.value, g: tf.add<Tensor4D>(before, r.grad) };
        });
        before.dispose();
        grad = g;
        terms.extra = value.arraySync();
        value.dispose();
      } else {
        terms.extra = tf.tidy(() => extra.fn(deprocess(x)).arraySync() * extra.weight);
      }
    }
    terms.total = terms.content + terms.style + terms.tv + (terms.extra ?? 0);
    return grad;
  } catch (error) {
    grad?.dispose();
    throw error;
  }
}

function sumTerms(scalars: { kind: 'content' | 'style'; value: tf.Scalar }[]): LossTerms {
  const terms: LossTerms = { content: 0, style: 0, tv: 0, total: 0 };
  for (const s of scalars) terms[s.kind] += s.value.arraySync();
  return terms;
}

/** The same loss as one tf function: what tf.grad differentiates in the stock path. */
function totalLoss(weights: Vgg19Weights, x: Tensor4D, targets: LossTargets, spec: LossSpec, record: LossTerms): tf.Scalar {
  const layers = [...new Set([...spec.contentLayers, ...spec.styleLayers].map((l) => l.layer))];
  const acts = vggActivations(weights, x, layers, spec.pooling);
  let content: tf.Scalar = tf.scalar(0);
  for (const { layer, weight } of spec.contentLayers) {
    content = tf.add(content, tf.mul(contentCost(activation(acts, layer), contentTarget(targets, layer)), spec.alpha * weight));
  }
  let style: tf.Scalar = tf.scalar(0);
  for (const { layer, weight } of spec.styleLayers) {
    // The textbook Gram: matMul with transposeA (what a straightforward port writes).
    const a = activation(acts, layer);
    const [, h, w, c] = a.shape;
    const f = tf.reshape(a, [h * w, c]);
    const gG: Tensor2D = tf.div(tf.matMul(f, f, true, false), h * w);
    style = tf.add(style, tf.mul(styleLayerCost(gG, gramTarget(targets, layer)), spec.beta * weight));
  }
  const tv: tf.Scalar = spec.tvWeight > 0 ? tf.mul(tvCost(x), spec.tvWeight) : tf.scalar(0);
  let total: tf.Scalar = tf.add(tf.add(content, style), tv);
  record.content = content.arraySync();
  record.style = style.arraySync();
  record.tv = tv.arraySync();
  if (spec.extraLoss) {
    const extra: tf.Scalar = tf.mul(spec.extraLoss.fn(deprocess(x)), spec.extraLoss.weight);
    record.extra = extra.arraySync();
    total = tf.add(total, extra);
  }
  record.total = total.arraySync();
  return total;
}

/** The stock path: tf.valueAndGrad over the whole loss (Conv2DBackpropInput etc. as tfjs provides them). */
export async function stockLossAndGradient(
  weights: Vgg19Weights,
  x: Tensor4D,
  targets: LossTargets,
  spec: LossSpec,
): Promise<LossAndGradient> {
  const terms: LossTerms = { content: 0, style: 0, tv: 0, total: 0 };
  const { value, grad } = tf.tidy(() => tf.valueAndGrad((v: Tensor4D) => totalLoss(weights, v, targets, spec, terms))(x));
  value.dispose();
  return { terms, grad };
}

/** The loss alone (one forward pass, no gradient): for benchmarks and for checking optimisers. */
export function evaluateLoss(weights: Vgg19Weights, x: Tensor4D, targets: LossTargets, spec: LossSpec): LossTerms {
  const terms: LossTerms = { content: 0, style: 0, tv: 0, total: 0 };
  tf.tidy(() => {
    totalLoss(weights, x, targets, spec, terms);
  });
  return terms;
}
