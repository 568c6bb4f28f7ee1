// Runs everywhere (engine host, Electron main, preload types, renderer types). The ONE definition of
// every call and event between the UI and the engine. IPC (Electron) and WebSocket (browser mode)
// carry exactly these messages; adding a call means adding it here once, then a handler in
// host/service.ts. Argument schemas are checked at the boundary (engine host) before any
// handler runs; results are typed, not checked (they come from our own engine).
// Only zod (and the Node-free errors.ts and style-limits.ts) is imported, so the renderer can share the types without pulling in Node code.
import { z } from 'zod';
import { FaceKitError, type ErrorInfo } from './errors.ts';
import { APP_STYLE_DEFAULTS, APP_STYLE_LIMITS, STYLE_LIMITS } from './style-limits.ts';

export type { ErrorInfo };

/** Largest image accepted in one call (a 24 MP JPEG is ≈ 10 MB; 50 MB leaves room for PNG). */
export const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
/** Largest message either transport accepts (images + JSON overhead). */
export const MAX_MESSAGE_BYTES = 2 * MAX_IMAGE_BYTES + 1024 * 1024;

const bytes = z
  .instanceof(Uint8Array, { message: 'expected image bytes' })
  .refine((b) => b.byteLength > 0, 'the image is empty (0 bytes)')
  .refine((b) => b.byteLength <= MAX_IMAGE_BYTES, `the image is larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MB`);
/** An image as its file bytes, with a name used in error messages ("obama.jpg: no face found"). */
const imageArg = z.object({ bytes, name: z.string().min(1).max(260) });
const personName = z.string().trim().min(1, 'the name is empty').max(100, 'the name is longer than 100 characters');
const id = z.number().int().positive();
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/, 'expected a date like 2026-11-29');

// ---------- wire types (results) ----------
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface AppInfo {
  version: string;
  /** 'electron' or 'browser' (facekit serve). */
  shell: 'electron' | 'browser';
  /** Inference backend in use and why the faster ones were skipped. */
  backend: { name: string; description: string };
  storePath: string;
  dataDir: string;
  /** Is a VGG-19 weights file available for style transfer, and if not, how to get one. */
  style: { available: boolean; message: string };
  /** Is the store encrypted at rest; where its key is kept, or why it is not encrypted. */
  encryption: { encrypted: boolean; message: string };
}

export interface Settings {
  threshold: number;
  /** The kiosk's own (stricter) match threshold. */
  kioskThreshold: number;
  kioskCooldownSeconds: number;
  /** Consecutive frames the same person must be seen in before a check-in. */
  kioskRequiredFrames: number;
  kioskLogUnknown: boolean;
  /** Passive liveness (one-frame anti-spoofing model) at the kiosk. */
  kioskLivenessPassive: boolean;
  /** Active liveness at the kiosk: a blink or head-turn challenge before a check-in. */
  kioskLivenessChallenge: boolean;
  /** Passive liveness score at or above which a face counts as live (kiosk, and verify/identify when asked). */
  livenessThreshold: number;
  /** MediaDeviceInfo.deviceId chosen in Settings; '' = the system default. */
  cameraId: string;
}

export interface Person {
  id: number;
  name: string;
  faceCount: number;
  photoCount: number;
  createdAt: string;
  /** A face to show for the person (their first enrolled), or null. */
  thumbnailFaceId: number | null;
  /** Faces made by an older face pipeline: recognition does not use them until upgraded ('faces.upgrade') or enrolled again. */
  outdatedFaces: number;
  /** Of those, the faces that need re-enrolment: no photo to re-embed from, or the upgrade failed. */
  needReenrolment: number;
}

/** What 'faces.upgrade' did: faces re-embedded from their photos, and those that need re-enrolment and why. */
export interface FaceUpgradeResult {
  pipelineId: string;
  checked: number;
  upgraded: number;
  needReenrolment: { faceId: number; person: string; photoName: string | null; message: string }[];
}

export interface PersonFace {
  faceId: number;
  photoName: string | null;
  box: Box;
  createdAt: string;
}

export interface Checkin {
  id: number;
  personId: number | null;
  /** The person's name at check-in time ('' for an unknown face). */
  personName: string;
  distance: number | null;
  at: string;
  source: string;
}

export interface PersonDetail {
  person: Person;
  faces: PersonFace[];
  checkins: Checkin[];
}

export interface FaceQuality {
  faceSize: number;
  blur: number;
  /** Why the face would be refused for enrolment; empty when it would not. */
  problems: string[];
  /** What is weak about it though it would be enrolled (a little blurred). */
  warnings: string[];
}
export interface DetectedFace {
  box: Box;
  score: number;
  quality: FaceQuality;
}
export interface Detection {
  width: number;
  height: number;
  faces: DetectedFace[];
}

export interface EnrolResult {
  person: string;
  status: 'added' | 'already-enrolled';
  faceId: number;
  box: Box;
  /** Faces in the photo, and how the enrolled one was chosen: the only one, the dominant one, the one like the person's other faces, or the given index. */
  faceCount: number;
  chosen: 'only' | 'dominant' | 'matched' | 'given';
  /** What is weak about a face enrolled anyway (e.g. small or blurred, when allowed); empty when nothing. */
  warnings: string[];
}

/**
 * The account of an enrolment of several photos (the app's files, `facekit enroll-folder`): photos by
 * outcome. Built with summarizeOutcomes from each photo's outcome: its result's status, or
 * skipReasonFor(its error's code). Defined in api/enrol-outcomes.ts, shared by the CLI and the app.
 */
export type { EnrolSummary, EnrolmentOutcome, SkipReason } from './enrol-outcomes.ts';

export interface Match {
  personId: number;
  name: string;
  distance: number;
}
export interface VerifyResult {
  person: string;
  match: boolean;
  distance: number;
  threshold: number;
  box: Box;
  faceCount: number;
  /** Why the result is less reliable (a turned, blurred or small face); empty when nothing. */
  notes: string[];
}
export interface IdentifiedFace {
  box: Box;
  match: Match | null;
  candidates: Match[];
  /** Why this face's result is less reliable; empty when nothing. */
  notes: string[];
}
export interface IdentifyResult {
  width: number;
  height: number;
  threshold: number;
  faces: IdentifiedFace[];
}

export interface KioskSession {
  sessionId: string;
  threshold: number;
  cooldownSeconds: number;
  requiredFrames: number;
  logUnknown: boolean;
}
export interface KioskFace {
  box: Box;
  name: string | null;
  distance: number | null;
  /** consecutive frames seen so far */ streak: number;
}
export interface KioskFrameResult {
  width: number;
  height: number;
  faces: KioskFace[];
  /** Check-ins written because of this frame (at most one per person per cool-down). */
  checkins: Checkin[];
  /** Engine time for this frame, ms. */
  ms: number;
}

export interface GalleryItem {
  id: number;
  createdAt: string;
  width: number;
  height: number;
  contentName: string;
  styleNames: string[];
  iterations: number;
  msPerIteration: number;
  identityDistance: number | null;
  backend: string;
}

export interface StyleJobProgress {
  jobId: string;
  stage: number;
  stageCount: number;
  totalIteration: number;
  totalIterations: number;
  loss: number;
  elapsedMs: number;
  etaMs: number;
  /** JPEG of the current image, sent every few iterations. */
  preview?: Uint8Array;
}

// ---------- argument schemas ----------
const styleSettings = z.object({
  size: z.number().int().min(APP_STYLE_LIMITS.size.min).max(APP_STYLE_LIMITS.size.max).default(APP_STYLE_DEFAULTS.size),
  iterations: z
    .number()
    .int()
    .min(APP_STYLE_LIMITS.iterations.min)
    .max(APP_STYLE_LIMITS.iterations.max)
    .default(APP_STYLE_DEFAULTS.iterations),
  preset: z.enum(['default', 'course']).default('default'),
  styleWeight: z.number().positive().max(APP_STYLE_LIMITS.styleWeightMax).optional(),
  preserveColor: z.enum(['none', 'luminance', 'histogram']).default('none'),
  preserveIdentity: z.boolean().default(false),
  seed: z.number().int().min(STYLE_LIMITS.seed.min).max(STYLE_LIMITS.seed.max).optional(),
});
const styleImage = imageArg.extend({
  weight: z.number().positive().max(APP_STYLE_LIMITS.imageWeightMax).default(APP_STYLE_DEFAULTS.imageWeight),
});
export type StyleSettingsArg = z.input<typeof styleSettings>;

const checkinFilter = z.object({
  person: z.string().max(100).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  limit: z.number().int().positive().max(100_000).optional(),
});

/** Every call: its argument schema and its result type (phantom, for the types only). */
export const calls = {
  'app.info': { args: z.object({}), result: {} as AppInfo },
  'settings.get': { args: z.object({}), result: {} as Settings },
  'settings.set': {
    args: z.object({
      threshold: z.number().gt(0).max(2).optional(),
      kioskThreshold: z.number().gt(0).max(2).optional(),
      kioskCooldownSeconds: z.number().int().min(0).max(86_400).optional(),
      kioskRequiredFrames: z.number().int().min(1).max(30).optional(),
      kioskLogUnknown: z.boolean().optional(),
      kioskLivenessPassive: z.boolean().optional(),
      kioskLivenessChallenge: z.boolean().optional(),
      livenessThreshold: z.number().min(0).max(1).optional(),
      cameraId: z.string().max(500).optional(),
    }),
    result: {} as Settings,
  },

  'people.list': { args: z.object({}), result: [] as Person[] },
  'people.get': { args: z.object({ name: personName }), result: {} as PersonDetail },
  'people.rename': { args: z.object({ name: personName, newName: personName }), result: {} as Person },
  'people.merge': { args: z.object({ from: personName, into: personName }), result: {} as Person },
  'people.remove': { args: z.object({ name: personName }), result: {} as { faces: number; photos: number } },
  /**
   * Re-embeds the faces made by an older face pipeline from their photos (when still on disk, unchanged);
   * progress comes as `faces.upgrade.progress` events. The rest are marked as needing re-enrolment.
   */
  'faces.upgrade': { args: z.object({}), result: {} as FaceUpgradeResult },
  /** A JPEG of the enrolled face (cropped at enrolment). */
  'faces.thumbnail': { args: z.object({ faceId: id }), result: new Uint8Array() },

  /** Fast detection only (live enrol hints): boxes and quality, no recognition. */
  'faces.detect': { args: z.object({ image: imageArg }), result: {} as Detection },
  /**
   * Enrols one face of a photo as `name`, creating the person when new: face `faceIndex`, else the only
   * face, else the dominant one (engine/recognition/dominant-face.ts), which must look like the person's
   * enrolled faces (NOT_SAME_PERSON otherwise); several faces and none dominant: MULTIPLE_FACES.
   */
  'enrol.photo': {
    args: z.object({
      name: personName,
      image: imageArg,
      faceIndex: z.number().int().nonnegative().optional(),
      allowLowQuality: z.boolean().optional(),
    }),
    result: {} as EnrolResult,
  },
  'recognize.verify': { args: z.object({ name: personName, image: imageArg }), result: {} as VerifyResult },
  'recognize.identify': { args: z.object({ image: imageArg }), result: {} as IdentifyResult },

  'kiosk.start': {
    args: z.object({
      cooldownSeconds: z.number().int().min(0).max(86_400).optional(),
      requiredFrames: z.number().int().min(1).max(30).optional(),
      logUnknown: z.boolean().optional(),
    }),
    result: {} as KioskSession,
  },
  'kiosk.frame': { args: z.object({ sessionId: z.string().min(1).max(100), image: imageArg }), result: {} as KioskFrameResult },
  'kiosk.stop': { args: z.object({ sessionId: z.string().min(1).max(100) }), result: {} as { frames: number; checkins: number } },

  'checkins.list': { args: checkinFilter, result: [] as Checkin[] },
  'checkins.csv': { args: checkinFilter, result: {} as { fileName: string; csv: string } },

  /** Starts a style transfer; progress comes as `style.progress` events, then `style.done` or `style.failed`. */
  'style.start': {
    args: z.object({
      content: imageArg,
      styles: z.array(styleImage).min(APP_STYLE_LIMITS.styleImages.min).max(APP_STYLE_LIMITS.styleImages.max),
      settings: styleSettings,
    }),
    result: {} as { jobId: string },
  },
  'style.cancel': { args: z.object({ jobId: z.string().min(1).max(100) }), result: {} as { cancelled: boolean } },

  'gallery.list': { args: z.object({}), result: [] as GalleryItem[] },
  'gallery.thumbnail': { args: z.object({ id }), result: new Uint8Array() },
  /** The full result image file (PNG). */
  'gallery.image': { args: z.object({ id }), result: new Uint8Array() },
  'gallery.remove': { args: z.object({ id }), result: {} as { removed: boolean } },
} as const;

/** Events the engine pushes to every connected UI. */
export interface Events {
  'style.progress': StyleJobProgress;
  'style.done': { jobId: string; item: GalleryItem };
  'style.failed': { jobId: string; error: ErrorInfo; cancelled: boolean };
  'faces.upgrade.progress': { done: number; total: number };
  /** People or check-ins changed (another window, the kiosk, the CLI is not included). */
  'data.changed': { what: 'people' | 'checkins' | 'gallery' };
}

export type CallName = keyof typeof calls;
export type CallArgs<N extends CallName> = z.input<(typeof calls)[N]['args']>;
export type ParsedArgs<N extends CallName> = z.output<(typeof calls)[N]['args']>;
export type CallResult<N extends CallName> = (typeof calls)[N]['result'];
export type EventName = keyof Events;

// ---------- messages (the same on IPC and WebSocket) ----------
export interface RequestMessage {
  type: 'call';
  id: number;
  method: string;
  args: unknown;
}
export type ResponseMessage =
  { type: 'result'; id: number; ok: true; result: unknown } | { type: 'result'; id: number; ok: false; error: ErrorInfo };
export interface EventMessage {
  type: 'event';
  event: EventName;
  payload: unknown;
}

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.hasOwn(calls, name);
}

/** Readable text for a zod failure: "name: the name is empty; image.bytes: the image is empty (0 bytes)". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/** Checks a call's arguments; throws BAD_INPUT naming the method and the problem (each issue also in details). */
export function parseArgs<N extends CallName>(method: N, args: unknown): ParsedArgs<N> {
  const parsed = calls[method].args.safeParse(args ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new FaceKitError('BAD_INPUT', `${method}: ${describeIssues(parsed.error)}`, { details: { method, issues } });
  }
  return parsed.data as ParsedArgs<N>;
}

/** The typed surface the renderer uses, whatever the transport. */
export interface FaceKitApi {
  call<N extends CallName>(method: N, args: CallArgs<N>): Promise<CallResult<N>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}
