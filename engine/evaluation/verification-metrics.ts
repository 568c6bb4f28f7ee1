// Runs anywhere. Verification figures over labelled distances: the most accurate threshold, the ROC,
// TAR at a fixed FAR, and accuracy cross-validated over folds (LFW's protocol: the threshold is chosen
// on nine folds and tested on the tenth, so the figure is not the threshold fitted to the test pairs).

export interface MeasuredPair {
  distance: number;
  same: boolean;
}

/** A pair whose distance may be missing (a face was not found): it counts as an error. */
export interface ScoredPair {
  distance: number | null;
  same: boolean;
}

export interface RocPoint {
  threshold: number;
  /** True accept rate: same-person pairs at or under the threshold. */
  tar: number;
  /** False accept rate: different-person pairs at or under the threshold. */
  far: number;
}

const correctAt = (pairs: ScoredPair[], threshold: number) =>
  pairs.filter((p) => (p.distance === null ? false : p.distance <= threshold === p.same)).length;

/** Thresholds worth trying: 0 and each midpoint between neighbouring distinct distances (and one past the last). */
function candidateThresholds(distances: number[]): number[] {
  const sorted = [...new Set(distances)].sort((x, y) => x - y);
  return [0, ...sorted.map((d, i) => (d + (sorted[i + 1] ?? d + 0.1)) / 2)];
}

/**
 * The accuracy-maximising threshold over the pairs (pairs without a distance count as errors at any
 * threshold); on a tie the threshold nearest the middle of the tied range.
 */
export function bestThreshold(pairs: ScoredPair[]): { threshold: number; accuracy: number } | null {
  const measured = pairs.filter((p): p is MeasuredPair => p.distance !== null);
  if (!measured.length) return null;
  const candidates = candidateThresholds(measured.map((p) => p.distance));
  let bestCorrect = -1;
  let tied: number[] = [];
  for (const threshold of candidates) {
    const correct = correctAt(measured, threshold);
    if (correct > bestCorrect) [bestCorrect, tied] = [correct, [threshold]];
    else if (correct === bestCorrect) tied.push(threshold);
  }
  const threshold = tied[Math.floor((tied.length - 1) / 2)] ?? 0;
  return { threshold, accuracy: bestCorrect / pairs.length };
}

/** The ROC over the measured pairs: one point per distinct threshold, FAR ascending. */
export function rocPoints(pairs: ScoredPair[]): RocPoint[] {
  const measured = pairs.filter((p): p is MeasuredPair => p.distance !== null);
  const sameTotal = pairs.filter((p) => p.same).length;
  const differentTotal = pairs.length - sameTotal;
  const sorted = [...measured].sort((x, y) => x.distance - y.distance);
  const points: RocPoint[] = [{ threshold: 0, tar: 0, far: 0 }];
  let same = 0;
  let different = 0;
  for (const [i, p] of sorted.entries()) {
    if (p.same) same++;
    else different++;
    if (sorted[i + 1]?.distance === p.distance) continue; // one point per distinct distance
    points.push({ threshold: p.distance, tar: sameTotal ? same / sameTotal : 0, far: differentTotal ? different / differentTotal : 0 });
  }
  return points;
}

/**
 * The highest TAR whose FAR is at most `far`. With N different-person pairs the smallest FAR above
 * zero is 1/N, so on 300 pairs "FAR ≤ 0.1 %" means no false accept at all.
 */
export function tarAtFar(pairs: ScoredPair[], far: number): { tar: number; threshold: number } {
  let best = { tar: 0, threshold: 0 };
  for (const point of rocPoints(pairs))
    if (point.far <= far && point.tar >= best.tar) best = { tar: point.tar, threshold: point.threshold };
  return best;
}

/** FAR and FRR at one threshold (undetected same-person pairs are false rejects). */
export function ratesAt(pairs: ScoredPair[], threshold: number): { far: number; frr: number } {
  const same = pairs.filter((p) => p.same);
  const different = pairs.filter((p) => !p.same);
  const accepted = (p: ScoredPair) => p.distance !== null && p.distance <= threshold;
  return {
    far: different.length ? different.filter(accepted).length / different.length : 0,
    frr: same.length ? same.filter((p) => !accepted(p)).length / same.length : 0,
  };
}

export interface CrossValidation {
  folds: number;
  /** Mean accuracy over the held-out folds. */
  accuracy: number;
  /** Standard deviation of the per-fold accuracies. */
  std: number;
  /** The threshold chosen on each fold's other folds. */
  thresholds: number[];
}

/**
 * k-fold cross-validated accuracy: pair i goes to fold i mod k (pairs files list same-person pairs
 * then different-person ones, so every fold gets both), the threshold is the best on the other folds.
 */
export function crossValidatedAccuracy(pairs: ScoredPair[], folds = 10): CrossValidation {
  const accuracies: number[] = [];
  const thresholds: number[] = [];
  for (let k = 0; k < folds; k++) {
    const test = pairs.filter((_, i) => i % folds === k);
    const train = pairs.filter((_, i) => i % folds !== k);
    if (!test.length) continue;
    const threshold = bestThreshold(train)?.threshold ?? 0;
    thresholds.push(threshold);
    accuracies.push(correctAt(test, threshold) / test.length);
  }
  const mean = accuracies.reduce((s, a) => s + a, 0) / Math.max(1, accuracies.length);
  const variance = accuracies.reduce((s, a) => s + (a - mean) ** 2, 0) / Math.max(1, accuracies.length);
  return { folds: accuracies.length, accuracy: mean, std: Math.sqrt(variance), thresholds };
}

/** The FARs `facekit eval pairs` reports TAR at: 0.1 % and 1 %. */
export const REPORTED_FARS = [0.001, 0.01] as const;

export interface VerificationSummary {
  /** The most accurate threshold on these pairs (fitted to them: an optimistic figure), null when no pair was measured. */
  bestThreshold: { threshold: number; accuracy: number } | null;
  /** 10-fold cross-validated accuracy: the honest counterpart of bestThreshold. */
  crossValidated: CrossValidation;
  /** TAR at each of REPORTED_FARS, with the threshold that gives it. */
  tarAtFar: { far: number; tar: number; threshold: number }[];
  /** FAR and FRR at the threshold in use. */
  farFrr: { threshold: number; far: number; frr: number };
  roc: RocPoint[];
}

/** Every figure of a verification run at once, over all pairs (a pair without a distance is an error everywhere). */
export function summarizeVerification(pairs: ScoredPair[], threshold: number, folds = 10): VerificationSummary {
  return {
    bestThreshold: bestThreshold(pairs),
    crossValidated: crossValidatedAccuracy(pairs, folds),
    tarAtFar: REPORTED_FARS.map((far) => ({ far, ...tarAtFar(pairs, far) })),
    farFrr: { threshold, ...ratesAt(pairs, threshold) },
    roc: rocPoints(pairs),
  };
}
