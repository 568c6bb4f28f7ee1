// Runs in the CLI. What each outcome means to a calling script.
import type { ErrorCode } from '../api/errors.ts';

export const EXIT = {
  ok: 0,
  /** No match, unknown face, or no such person. */
  noMatch: 1,
  /** Bad input (unreadable/corrupt/oversized image, no face, bad argument) or bad usage. */
  badInput: 2,
  /** The environment is wrong: model weights missing, database from a newer FaceKit, store key missing or wrong, internal error. */
  environment: 3,
  /**
   * `enroll-folder`: the run finished, and some photos were skipped for a reason a person can act
   * on (several faces, not the same person, no face, blurred or small, unreadable, enrolled as someone
   * else); the others were enrolled or already were. Its summary and --report say which and why.
   * `faces upgrade`: the run finished, and some faces could not be re-embedded: they need re-enrolment.
   * `cluster`: the rest was grouped, and some images could not be read (or, enrolling, faces were refused).
   */
  skipped: 4,
  /** Stopped by Ctrl-C (128 + SIGINT, as shells report it). */
  cancelled: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function exitCodeFor(code: ErrorCode): ExitCode {
  switch (code) {
    case 'NOT_FOUND':
      return EXIT.noMatch;
    case 'BAD_INPUT':
    case 'NO_FACE':
    case 'MULTIPLE_FACES':
    case 'NOT_SAME_PERSON':
    case 'LOW_QUALITY':
    case 'CONFLICT':
      return EXIT.badInput;
    case 'CANCELLED':
      return EXIT.cancelled;
    case 'MODEL_MISSING':
    case 'STORE_VERSION':
    case 'STORE_KEY':
    case 'INTERNAL':
    case 'FORBIDDEN': // the CLI meets these two only over a transport, never from its own commands
    case 'DISCONNECTED':
      return EXIT.environment;
  }
}
