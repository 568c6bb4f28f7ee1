// Runs in the CLI. The engine and the store say what went wrong (code, message, details); what to type
// next is the command line's own business, so the CLI adds its hint here, by code and details.
// Each hint carries its own separator, so the printed text reads as one sentence as it always has.
import type { ErrorCode, ErrorDetails, FaceKitError } from '../api/errors.ts';

/** Where the error came from: a command given the photo itself, or `enroll-folder` (no per-photo options). */
export type HintContext = 'photo' | 'folder';

type Hint = (details: ErrorDetails, context: HintContext) => string | undefined;

function text(details: ErrorDetails, key: string): string | undefined {
  const value = details[key];
  return typeof value === 'string' ? value : undefined;
}

function hostOf(url: string | undefined): string {
  if (!url) return 'the internet';
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function modelMissingHint(details: ErrorDetails): string | undefined {
  const model = text(details, 'model');
  switch (details.reason) {
    case 'not-installed': {
      const fileName = text(details, 'fileName') ?? 'FILE';
      const host = hostOf(text(details, 'url'));
      const mb = typeof details.bytes === 'number' ? ` (${Math.round(details.bytes / 1e6)} MB)` : '';
      return [
        '',
        'Get them with one of:',
        `  facekit models fetch ${model}     downloads ${fileName}${mb} from ${host} (needs internet)`,
        `  facekit models import ${model} /path/to/${fileName}     (a copy from another machine)`,
      ].join('\n');
    }
    case 'offline':
      return ` — copy the file from another machine and run: facekit models import ${model} FILE`;
    case 'files-missing':
      return '; reinstall with npm install';
    default:
      return undefined;
  }
}

const HINTS: Partial<Record<ErrorCode, Hint>> = {
  LOW_QUALITY: () => ' (use --allow-low-quality to enrol anyway)',
  MULTIPLE_FACES: (_details, context) =>
    context === 'folder' ? '; to enrol one of them: facekit enroll NAME FILE --face N' : '; choose one with --face N',
  NOT_SAME_PERSON: (_details, context) =>
    context === 'folder' ? '; if it is them: facekit enroll NAME FILE --face N' : '; if it is them, choose it with --face N',
  MODEL_MISSING: modelMissingHint,
  BAD_INPUT: (details) => (details.reason === 'checksum-mismatch' ? ', or pass --allow-checksum-mismatch to use it anyway' : undefined),
};

/** What the CLI adds after the message for this error, if anything (with its leading separator). */
export function cliHint(error: Pick<FaceKitError, 'code' | 'details'>, context: HintContext = 'photo'): string | undefined {
  return HINTS[error.code]?.(error.details ?? {}, context);
}

/** The message as the CLI prints it (stderr and --json): the error's own text, then the CLI's hint. */
export function cliMessage(error: Pick<FaceKitError, 'code' | 'message' | 'details'>, context: HintContext = 'photo'): string {
  return `${error.message}${cliHint(error, context) ?? ''}`;
}
