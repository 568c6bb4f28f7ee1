// Runs everywhere (engine, CLI, renderer). What became of each photo of an enrolment run, and the
// account at the end: the CLI's `enroll-folder` summary, its --json and --report, and the app's
// enrolment from files all count the same outcomes, named the same way.
import type { ErrorCode } from './errors.ts';

/** Why a photo was not enrolled. Every one but `failed` is something a person can act on. */
export const SKIP_REASONS = [
  'several-faces', // several faces and none clearly the person's (MULTIPLE_FACES)
  'not-same-person', // the face taken from a photo of several does not match the person's other photos (NOT_SAME_PERSON)
  'no-face', // NO_FACE
  'low-quality', // too blurred or too small (LOW_QUALITY)
  'unreadable', // not an image, corrupt, too large (BAD_INPUT)
  'enrolled-as-someone-else', // the same face of the same photo belongs to another person (CONFLICT)
  'failed', // anything else: a bug or a broken environment, logged with its stack
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export const ENROL_OUTCOMES = ['added', 'already-enrolled', ...SKIP_REASONS] as const;
export type EnrolmentOutcome = (typeof ENROL_OUTCOMES)[number];

/** Short labels, the same in the terminal and in the app. */
export const OUTCOME_LABELS: Record<EnrolmentOutcome, string> = {
  added: 'added',
  'already-enrolled': 'already enrolled',
  'several-faces': "several faces, none clearly the person's",
  'not-same-person': 'not the same person as the other photos',
  'no-face': 'no face found',
  'low-quality': 'face too blurred or too small',
  unreadable: 'not a readable image',
  'enrolled-as-someone-else': 'face already enrolled as someone else',
  failed: 'failed (a bug or a broken set-up)',
};

/** The skip reason of a photo refused with this error code. */
export function skipReasonFor(code: ErrorCode): SkipReason {
  switch (code) {
    case 'MULTIPLE_FACES':
      return 'several-faces';
    case 'NOT_SAME_PERSON':
      return 'not-same-person';
    case 'NO_FACE':
      return 'no-face';
    case 'LOW_QUALITY':
      return 'low-quality';
    case 'BAD_INPUT':
      return 'unreadable';
    case 'CONFLICT':
      return 'enrolled-as-someone-else';
    default:
      return 'failed';
  }
}

export function isSkipped(outcome: EnrolmentOutcome): outcome is SkipReason {
  return outcome !== 'added' && outcome !== 'already-enrolled';
}

/** The account of a run: how many photos came to each outcome (every outcome listed, zeros included). */
export interface EnrolSummary {
  photos: number;
  skipped: number;
  counts: Record<EnrolmentOutcome, number>;
}

export function summarizeOutcomes(outcomes: readonly EnrolmentOutcome[]): EnrolSummary {
  const counts = Object.fromEntries(ENROL_OUTCOMES.map((o) => [o, 0])) as Record<EnrolmentOutcome, number>;
  for (const outcome of outcomes) counts[outcome]++;
  return { photos: outcomes.length, skipped: outcomes.filter(isSkipped).length, counts };
}

/** "3 added · 1 already enrolled · 2 skipped (1 no face found, 1 not a readable image)": one line for a run. */
export function summaryLine(summary: EnrolSummary): string {
  const parts = [`${summary.counts.added} added`];
  if (summary.counts['already-enrolled']) parts.push(`${summary.counts['already-enrolled']} already enrolled`);
  if (summary.skipped) {
    const reasons = SKIP_REASONS.filter((r) => summary.counts[r]).map((r) => `${summary.counts[r]} ${OUTCOME_LABELS[r]}`);
    parts.push(`${summary.skipped} skipped (${reasons.join(', ')})`);
  }
  return parts.join(' · ');
}
