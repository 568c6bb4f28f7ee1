// Runs anywhere. When a style stage stops before its iteration count: the loss has stopped improving
// (early stopping) or the job's time budget for the stage is spent. Kept apart from the optimisers so the
// rules can be tested on loss sequences alone.

import type { StyleStopReason } from '../../api/definition.ts';

/** Why a stage (or the job: the reason of its last stage, 'budget' if any stage ran out of time) ended. */
export type StopReason = StyleStopReason;

export interface EarlyStop {
  /** Relative improvement of the best loss over the last `window` evaluations below which the stage stops. */
  epsilon: number;
  /** Evaluations compared; also the fewest a stage runs before it may stop as converged. */
  window: number;
}

/**
 * 0.5 % over 20 evaluations (≈ 0.025 % per evaluation): a loss still falling that slowly changes the image
 * by less than the preview can show. Not measured on the real VGG-19 here (its weights cannot be downloaded
 * on the development machines): settable per job, and `facekit stylize --early-stop 0` turns it off.
 */
export const EARLY_STOP_DEFAULTS: EarlyStop = { epsilon: 0.005, window: 20 };

/** Follows one stage's losses; `stopReason()` says whether the optimiser should stop before its next evaluation. */
export class StageStopper {
  readonly #early: EarlyStop | null;
  readonly #deadline: number;
  readonly #now: () => number;
  /** Best loss seen after each evaluation (L-BFGS line-search trials can be worse than the current point). */
  readonly #best: number[] = [];
  #reason: StopReason | null = null;

  /** `deadline` in the units of `now` (performance.now() by default); Infinity for no time budget. */
  constructor(early: EarlyStop | null, deadline: number, now: () => number = () => performance.now()) {
    this.#early = early;
    this.#deadline = deadline;
    this.#now = now;
  }

  /** Records one evaluation's total loss. */
  push(loss: number): void {
    const previous = this.#best.at(-1) ?? Infinity;
    this.#best.push(Math.min(previous, loss));
  }

  /** The reason to stop now, or null to go on; once a reason is found it stays. */
  stopReason(): StopReason | null {
    if (this.#reason) return this.#reason;
    if (this.#now() >= this.#deadline) this.#reason = 'budget';
    else if (this.#converged()) this.#reason = 'converged';
    return this.#reason;
  }

  /** Whether the optimiser may evaluate again (its iteration count still applies). */
  readonly keepGoing = (): boolean => this.stopReason() === null;

  #converged(): boolean {
    if (!this.#early || this.#early.window <= 0) return false;
    const n = this.#best.length;
    if (n <= this.#early.window) return false;
    const before = this.#best[n - 1 - this.#early.window] ?? NaN;
    const now = this.#best[n - 1] ?? NaN;
    if (!Number.isFinite(before) || !Number.isFinite(now) || before === 0) return false;
    return (before - now) / Math.abs(before) < this.#early.epsilon;
  }
}

/** One stage's planned work, for sharing a time budget. */
export interface PlannedStage {
  width: number;
  height: number;
  iterations: number;
}

/**
 * The time the stage `index` may use out of `remainingMs`: a share proportional to its planned cost
 * (iterations × pixels, the cost of one evaluation grows with the pixel count) among the stages still to
 * run. Computed at each stage's start, so time a stage saved by converging goes to the later ones.
 */
export function stageBudgetMs(stages: readonly PlannedStage[], index: number, remainingMs: number): number {
  if (!Number.isFinite(remainingMs)) return Infinity;
  const cost = (s: PlannedStage) => s.iterations * s.width * s.height;
  const later = stages.slice(index);
  const total = later.reduce((sum, s) => sum + cost(s), 0);
  const own = stages[index];
  if (!own || total <= 0) return Math.max(0, remainingMs);
  return Math.max(0, (remainingMs * cost(own)) / total);
}

/** The job's reason: 'budget' when time cut any stage short, else how its last stage ended. */
export function jobStopReason(stages: readonly StopReason[]): StopReason {
  if (stages.includes('budget')) return 'budget';
  return stages.at(-1) ?? 'iterations';
}
