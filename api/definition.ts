// Runs everywhere (engine host, Electron main, preload types, renderer types). The ONE definition of
// every call and event between the UI and the engine. IPC (Electron) and WebSocket (browser mode)
// carry exactly these messages; adding a call means adding it here once, then a handler in
// host/service.ts. Argument schemas are checked at the boundary (engine host) before any
// handler runs; results are typed, not checked (they come from our own engine).
// Only zod (and the Node-free errors.ts and style-limits.ts) is imported, so the renderer can share the types without pulling in Node code.
import { z } from 'zod';
import { FaceKitError, type ErrorInfo } from './errors.ts';
import { APP_STYLE_DEFAULTS, APP_STYLE_LIMITS, STYLE_LIMITS } from './style-limits.ts';
import type { ChallengeKind, SpoofReason } from './liveness.ts';

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
  /** CPU cores of this machine (what style transfer's thread setting is out of). */
  cores: number;
}

/** Where the store is (#13): a local SQLite file, or a registry server with this machine's cache of it. */
export interface StoreStatus {
  kind: 'sqlite' | 'registry';
  /** The registry server's URL with its password redacted, or the SQLite file's path. */
  location: string;
  /** Registry: whether the last attempt to reach the server worked; null before the first one, and for SQLite. */
  online: boolean | null;
  /** Check-ins made here and not yet on the server (always 0 for SQLite). */
  queued: number;
  /** When this machine last synced with the server (flush + pull); null for SQLite or never. */
  lastSyncAt: string | null;
  /** Why the last attempt failed, while it keeps failing. */
  lastError: string | null;
  /** Registry: this machine's name on its check-ins (FACEKIT_KIOSK or the host name). */
  kiosk: string | null;
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
  /** Cores one style transfer may use; 0 = automatic: all but one, since the app also runs the kiosk. */
  styleThreads: number;
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

/** A group of unknown faces the kiosk logged (issue #12): "Visitor 3 — seen 7 times, first …, last …". */
export interface Visitor {
  /** Stays the visitor's while faces arrive; never given to another visitor. */
  id: number;
  /** "Visitor <id>". */
  label: string;
  /** Faces logged (one per appearance at the kiosk). */
  seen: number;
  first: string;
  last: string;
  /** Its faces, newest first: 'visitors.thumbnail'. */
  faceIds: number[];
}

/** A visitor turned into a person's faces ('visitors.name', 'visitors.merge'). */
export interface VisitorEnrolled {
  person: Person;
  /** Faces enrolled. */
  enrolled: number;
  /** Unknown check-ins now the person's. */
  checkins: number;
}

export interface Checkin {
  id: number;
  personId: number | null;
  /** The person's name at check-in time ('' for an unknown face). */
  personName: string;
  distance: number | null;
  at: string;
  source: string;
  /** 'checkin': a visit; 'spoof': an attempt the kiosk refused as not live (ids are counted per kind). */
  kind: 'checkin' | 'spoof';
  /** For a spoof attempt: why it was refused, the challenge asked, the mean passive score (0–1) if measured. */
  spoof?: { reason: SpoofReason; challenge: ChallengeKind | null; liveness: number | null };
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
/** Passive (one-frame) liveness of a face: the model's P(real) against the threshold. */
export interface LivenessScore {
  score: number;
  live: boolean;
  threshold: number;
  /** The model that scored it (models/manifest.json id). */
  model: string;
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
  /** The compared face's passive liveness, when asked for (`liveness: true`). */
  liveness?: LivenessScore;
}
export interface IdentifiedFace {
  box: Box;
  match: Match | null;
  candidates: Match[];
  /** Why this face's result is less reliable; empty when nothing. */
  notes: string[];
  /** This face's passive liveness, when asked for (`liveness: true`). */
  liveness?: LivenessScore;
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
  livenessPassive: boolean;
  livenessChallenge: boolean;
  livenessThreshold: number;
}
export interface KioskFace {
  box: Box;
  name: string | null;
  distance: number | null;
  /** consecutive frames seen so far */ streak: number;
  /** Mean passive liveness score (0–1) over the recent frames, when the kiosk measures it. */
  liveness: number | null;
  /** What this person is asked to do now to be checked in, and the seconds left. */
  challenge: { kind: ChallengeKind; prompt: string; secondsLeft: number } | null;
  /** This attempt was refused as not live (shown a few seconds; a new attempt follows). */
  refused: SpoofReason | null;
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

/** Why a style transfer (or one of its stages) ended before or at its iteration count. */
export type StyleStopReason = 'converged' | 'budget' | 'iterations' | 'cancelled';

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
  /** How the job ended; null for results made before FaceKit recorded it. */
  stopReason: StyleStopReason | null;
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
  /** On the event that ends a stage: why it ended. */
  stopReason?: StyleStopReason;
  /** Threads the job's iterations run on. */
  threads: number;
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
  /** Time limit of the job, seconds; none when absent. */
  maxSeconds: z.number().int().min(STYLE_LIMITS.maxSeconds.min).max(STYLE_LIMITS.maxSeconds.max).optional(),
  /** Stop each stage once the image stops changing (the preset's rule); false runs every iteration. */
  earlyStop: z.boolean().default(true),
});
const styleImage = imageArg.extend({
  weight: z.number().positive().max(APP_STYLE_LIMITS.imageWeightMax).default(APP_STYLE_DEFAULTS.imageWeight),
});
export type StyleSettingsArg = z.input<typeof styleSettings>;

const checkinFilter = z.object({
  /** Visits (the default), spoof attempts the kiosk refused, or both. */
  kind: z.enum(['checkins', 'spoof', 'all']).default('checkins'),
  person: z.string().max(100).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  limit: z.number().int().positive().max(100_000).optional(),
});

/** Every call: its argument schema and its result type (phantom, for the types only). */
export const calls = {
  'app.info': { args: z.object({}), result: {} as AppInfo },
  'settings.get': { args: z.object({}), result: {} as Settings },
  /** The store: SQLite file or registry (online, queued check-ins, last sync); changes come as `store.status` events. */
  'store.status': { args: z.object({}), result: {} as StoreStatus },
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
      styleThreads: z.number().int().min(0).max(64).optional(),
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
  /** `liveness`: also score each reported face's passive liveness (threshold: the livenessThreshold setting). */
  'recognize.verify': {
    args: z.object({ name: personName, image: imageArg, liveness: z.boolean().optional() }),
    result: {} as VerifyResult,
  },
  'recognize.identify': { args: z.object({ image: imageArg, liveness: z.boolean().optional() }), result: {} as IdentifyResult },

  'kiosk.start': {
    args: z.object({
      cooldownSeconds: z.number().int().min(0).max(86_400).optional(),
      requiredFrames: z.number().int().min(1).max(30).optional(),
      logUnknown: z.boolean().optional(),
    }),
    result: {} as KioskSession,
  },
  'kiosk.frame': { args: z.object({ sessionId: z.string().min(1).max(100), image: imageArg }), result: {} as KioskFrameResult },
  'kiosk.stop': {
    args: z.object({ sessionId: z.string().min(1).max(100) }),
    result: {} as { frames: number; checkins: number; spoofAttempts: number },
  },

  'checkins.list': { args: checkinFilter, result: [] as Checkin[] },
  'checkins.csv': { args: checkinFilter, result: {} as { fileName: string; csv: string } },
  /** The JPEG of the face a refused kiosk attempt showed (null if none was kept). */
  'checkins.spoofThumbnail': { args: z.object({ id }), result: null as Uint8Array | null },

  /** The kiosk's unknown faces, grouped into visitors; the most recently seen first. */
  'visitors.list': { args: z.object({}), result: [] as Visitor[] },
  'visitors.thumbnail': { args: z.object({ faceId: id }), result: new Uint8Array() },
  /** The visitor becomes a new person (CONFLICT if the name is taken) with its faces enrolled. */
  'visitors.name': { args: z.object({ id, name: personName }), result: {} as VisitorEnrolled },
  /** The visitor's faces are enrolled as an existing person's. */
  'visitors.merge': { args: z.object({ id, into: personName }), result: {} as VisitorEnrolled },
  /** Purges the visitor like a person: embeddings, thumbnails and its unknown check-ins. */
  'visitors.delete': { args: z.object({ id }), result: {} as { faces: number; checkins: number } },

  /** Starts a style transfer; progress comes as `style.progress` events, then `style.done` or `style.failed`. */
  'style.start': {
    args: z.object({
      content: imageArg,
      styles: z.array(styleImage).min(APP_STYLE_LIMITS.styleImages.min).max(APP_STYLE_LIMITS.styleImages.max),
      settings: styleSettings,
      /** Worker threads for the job; default: the styleThreads setting. */
      threads: z.number().int().min(1).max(64).optional(),
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
  'data.changed': { what: 'people' | 'checkins' | 'gallery' | 'visitors' };
  /** Registry mode: the server went away or came back, or the queue of check-ins to send grew or shrank. */
  'store.status': StoreStatus;
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
