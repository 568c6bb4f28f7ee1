// Runs in the engine process. The accurate face detector for photos and enrolment: SSD-MobileNetV1 on
// the whole photo (as before), plus, where they pay, SSD on overlapping tiles of large photos, SSD and
// BlazeFace on the photo with a grey border (tight crops: the face fills the frame), and BlazeFace over
// the photo. Every box the whole-photo SSD pass did not find must be re-detected by SSD on a chip cut
// around the face its 68 landmarks describe, so the extra passes add faces, not false detections.
// The kiosk's fast path (Tiny Face Detector on the frame) is not here: pipeline.ts calls it directly.
import { fitWithin, padImage, scaleImage, type RgbImage } from '../image.ts';
import { cutChip, chipToSource, type ChipSpec } from './chip.ts';
import { suppress } from './blazeface.ts';
import { boundingBox, boxCenter, iou, scaleBox, shiftBox, type Box, type Point } from './geometry.ts';
import type { FaceDetection, FaceModels } from './nets.ts';

/** SSD-MobileNet resizes its input to 512 × 512 anyway; a little more keeps small faces in group photos. */
export const DETECT_MAX_SIDE = 800;
/** Tight crops (ID photos, avatars): the frame is grown by this fraction of its longer side on every side. */
const TIGHT_CROP_PAD = 0.4;
/** Tiles: side in the pixels SSD gets them at, and how much neighbours overlap (a face cut by one edge is whole in the next). */
const TILE_SIDE = 800;
const TILE_OVERLAP = 0.25;
/** At most this many tiles a photo (a 3 × 3 grid): a larger photo is tiled at a lower resolution. */
const MAX_TILES = 9;
/**
 * Tiles find faces too small for the whole-photo pass. A photo in which that pass already found a face this
 * large (its side against the photo's longer side) is a portrait, not a crowd: tiling it would cost up to
 * nine more SSD passes (measured 14× the detection time on a 1600 px photo) to find background faces.
 */
const PORTRAIT_FACE_SHARE = 0.15;
/** BlazeFace's box runs from the brows to the chin; SSD's (which the landmark chip expects) is taller, and starts higher. */
const BLAZE_TO_SSD_SIDE = 1.15;
const BLAZE_TO_SSD_UP = 0.08;
/** BlazeFace's own score floor: candidates only, each one is then checked. */
const BLAZE_MIN_CONFIDENCE = 0.6;
/** Candidates whose box overlaps one already kept by more than this IoU are the same face. */
const SAME_FACE_IOU = 0.3;
const LANDMARK_INPUT = 112;
/** The check: SSD on a chip of this side around the landmarks' face, with this much margin around the landmark box. */
const CHECK_CHIP = 256;
const CHECK_MARGIN = 1.0;

/** Which passes the accurate detector runs; bench/detection.bench.ts compares them. */
export interface DetectionPlan {
  /** SSD on the photo with a grey border: always (true) or only when nothing else was found ('fallback'). */
  padded: 'fallback' | 'always';
  /** SSD on overlapping tiles of photos larger than DETECT_MAX_SIDE. */
  tiles: boolean;
  /** BlazeFace over the photo (and its tiles, and the padded frame). */
  blazeFace: boolean;
  /** Extra faces must be re-detected by SSD on their landmark-aligned chip. */
  verify: boolean;
}

/** Before this file: one SSD pass, the padded frame only when it finds nothing. */
export const SINGLE_PASS_PLAN: DetectionPlan = { padded: 'fallback', tiles: false, blazeFace: false, verify: false };
/** What analyzeFaces uses. */
export const SHIPPED_PLAN: DetectionPlan = { padded: 'always', tiles: true, blazeFace: true, verify: true };

export interface DetectOptions {
  minConfidence: number;
  maxFaces: number;
  plan?: DetectionPlan;
}

export interface DetectResult {
  /** In the pixels of the image given. */
  detections: FaceDetection[];
  /** True when a face was only found on the padded frame (a tight crop). */
  padded: boolean;
}

interface Candidate extends FaceDetection {
  /** Found by the whole-photo SSD pass: kept without a check, as before. */
  primary: boolean;
  fromPadded: boolean;
}

/** The tiles (in source pixels) covering the image, with the scale each is fed at. */
export function tileGrid(width: number, height: number): { tiles: Box[]; scale: number } {
  const longer = Math.max(width, height);
  if (longer <= DETECT_MAX_SIDE * 1.25) return { tiles: [], scale: 1 };
  const step = TILE_SIDE * (1 - TILE_OVERLAP);
  const count = (side: number, scale: number) => Math.max(1, Math.ceil((side * scale - TILE_SIDE) / step) + 1);
  let scale = 1;
  while (count(width, scale) * count(height, scale) > MAX_TILES) scale *= 0.9;
  const side = TILE_SIDE / scale;
  const starts = (extent: number, n: number) =>
    n === 1 ? [0] : Array.from({ length: n }, (_, i) => Math.round((i * Math.max(0, extent - side)) / (n - 1)));
  const tiles: Box[] = [];
  for (const y of starts(height, count(height, scale)))
    for (const x of starts(width, count(width, scale)))
      tiles.push({ x, y, width: Math.min(side, width - x), height: Math.min(side, height - y) });
  return { tiles, scale };
}

/**
 * A tile's pixels cut out of the photo already scaled to the tiles' scale (the grid costs one resize,
 * not one per tile: a 17 KB JPEG can claim 10 000 × 10 000 pixels), and where the cut starts, in photo pixels.
 */
function cutTile(scaled: RgbImage, tile: Box, scale: number): { pixels: RgbImage; origin: { x: number; y: number } } {
  const left = Math.min(scaled.width - 1, Math.max(0, Math.round(tile.x * scale)));
  const top = Math.min(scaled.height - 1, Math.max(0, Math.round(tile.y * scale)));
  const width = Math.max(1, Math.min(scaled.width - left, Math.round(tile.width * scale)));
  const height = Math.max(1, Math.min(scaled.height - top, Math.round(tile.height * scale)));
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * scaled.width + left) * 3;
    scaled.data.copy(data, y * width * 3, from, from + width * 3);
  }
  return { pixels: { width, height, data }, origin: { x: left / scale, y: top / scale } };
}

/** BlazeFace's box as the box SSD would draw around the same face. */
function blazeToSsd(box: Box): Box {
  const side = Math.max(box.width, box.height) * BLAZE_TO_SSD_SIDE;
  const c = boxCenter(box);
  return { x: c.x - side / 2, y: c.y - BLAZE_TO_SSD_UP * side - side / 2, width: side, height: side };
}

async function landmarksIn(models: FaceModels, image: RgbImage, box: Box): Promise<Point[]> {
  const spec: ChipSpec = { center: boxCenter(box), side: Math.max(box.width, box.height), angle: 0, size: LANDMARK_INPUT };
  const points = await models.get('faceLandmarks').landmarks(await cutChip(image, spec));
  return points.map((p) => chipToSource(p, spec));
}

/** Chips checked by one SSD call: a 2 × 2 grid of CHECK_CHIP chips is exactly SSD's 512 × 512 input. */
const CHECK_GRID = 2;

/**
 * The check for faces no whole-photo pass found: each candidate's 68 landmarks must frame a face, and SSD
 * must find that face again on a chip cut around them (the face about a third of the chip). Four chips
 * go to SSD at once, as one 512 × 512 image. Returns each candidate's re-detected box, in source pixels,
 * or undefined where the face is not confirmed.
 */
async function confirm(
  models: FaceModels,
  image: RgbImage,
  candidates: readonly Box[],
  minConfidence: number,
): Promise<(FaceDetection | undefined)[]> {
  const specs: (ChipSpec | undefined)[] = [];
  for (const candidate of candidates) {
    const frame = boundingBox(await landmarksIn(models, image, candidate));
    // points collapsed to a speck, or wandering off the candidate: not a face
    const plausible = frame.width >= 0.2 * candidate.width && frame.height >= 0.2 * candidate.height && iou(frame, candidate) > 0.1;
    specs.push(
      plausible
        ? { center: boxCenter(frame), side: Math.max(frame.width, frame.height) * (1 + 2 * CHECK_MARGIN), angle: 0, size: CHECK_CHIP }
        : undefined,
    );
  }
  const results: (FaceDetection | undefined)[] = candidates.map(() => undefined);
  const todo = specs.flatMap((spec, i) => (spec ? [{ spec, i }] : []));
  const perCall = CHECK_GRID * CHECK_GRID;
  for (let first = 0; first < todo.length; first += perCall) {
    const batch = todo.slice(first, first + perCall);
    const side = CHECK_CHIP * CHECK_GRID;
    const sheet: RgbImage = { width: side, height: side, data: Buffer.alloc(side * side * 3, 128) };
    for (const [n, { spec }] of batch.entries()) {
      const chip = await cutChip(image, spec);
      const left = (n % CHECK_GRID) * CHECK_CHIP;
      const top = Math.floor(n / CHECK_GRID) * CHECK_CHIP;
      for (let y = 0; y < CHECK_CHIP; y++)
        chip.data.copy(sheet.data, ((top + y) * side + left) * 3, y * CHECK_CHIP * 3, (y + 1) * CHECK_CHIP * 3);
    }
    const found = await models.get('faceDetector').detect(sheet, { minConfidence, maxResults: 4 * perCall });
    for (const [n, { spec, i }] of batch.entries()) {
      const left = (n % CHECK_GRID) * CHECK_CHIP;
      const top = Math.floor(n / CHECK_GRID) * CHECK_CHIP;
      const k = spec.side / CHECK_CHIP;
      const origin = { x: spec.center.x - spec.side / 2, y: spec.center.y - spec.side / 2 };
      // the re-detected face must be the one the landmarks describe: its box holds the chip's centre
      const hit = found.find((d) => {
        const x = left + CHECK_CHIP / 2;
        const y = top + CHECK_CHIP / 2;
        return x > d.box.x && x < d.box.x + d.box.width && y > d.box.y && y < d.box.y + d.box.height;
      });
      if (hit) {
        const box = {
          x: origin.x + (hit.box.x - left) * k,
          y: origin.y + (hit.box.y - top) * k,
          width: hit.box.width * k,
          height: hit.box.height * k,
        };
        results[i] = { box, score: hit.score };
      }
    }
  }
  return results;
}

/**
 * Finds the faces of a photo with the passes `plan` names (SHIPPED_PLAN by default), boxes in the
 * photo's pixels, merged by non-maximum suppression.
 */
export async function detectFaces(models: FaceModels, image: RgbImage, options: DetectOptions): Promise<DetectResult> {
  const plan = options.plan ?? SHIPPED_PLAN;
  const { minConfidence, maxFaces } = options;
  const ssd = models.get('faceDetector');
  const candidates: Candidate[] = [];
  const add = (found: FaceDetection[], map: (b: Box) => Box, primary: boolean, fromPadded = false) => {
    for (const d of found) candidates.push({ box: map(d.box), score: d.score, primary, fromPadded });
  };

  const { image: small, scale } = await fitWithin(image, DETECT_MAX_SIDE);
  add(await ssd.detect(small, { minConfidence, maxResults: maxFaces }), (b) => scaleBox(b, 1 / scale), true);

  const longer = Math.max(image.width, image.height);
  const portrait = candidates.some((c) => Math.max(c.box.width, c.box.height) >= PORTRAIT_FACE_SHARE * longer);
  if (plan.tiles && !portrait) {
    const grid = tileGrid(image.width, image.height);
    const scaled = grid.tiles.length && grid.scale < 1 ? await scaleImage(image, grid.scale) : image;
    for (const tile of grid.tiles) {
      const { pixels, origin } = cutTile(scaled, tile, grid.scale);
      const back = (b: Box) => shiftBox(scaleBox(b, 1 / grid.scale), origin.x, origin.y);
      add(await ssd.detect(pixels, { minConfidence, maxResults: maxFaces }), back, false);
      if (plan.blazeFace) {
        const blaze = await models.get('blazeFace').detect(pixels, { minConfidence: BLAZE_MIN_CONFIDENCE, maxResults: maxFaces });
        add(blaze, (b) => blazeToSsd(back(b)), false);
      }
    }
  }
  if (plan.blazeFace) {
    const blaze = await models.get('blazeFace').detect(small, { minConfidence: BLAZE_MIN_CONFIDENCE, maxResults: maxFaces });
    add(blaze, (b) => blazeToSsd(scaleBox(b, 1 / scale)), false);
  }

  const usePadded = plan.padded === 'always' || !candidates.some((c) => c.primary);
  if (usePadded) {
    const { image: smaller, scale: padScale } = await fitWithin(image, DETECT_MAX_SIDE / (1 + 2 * TIGHT_CROP_PAD));
    const pad = Math.round(TIGHT_CROP_PAD * Math.max(smaller.width, smaller.height));
    const framed = await padImage(smaller, pad);
    const back = (b: Box) => scaleBox(shiftBox(b, -pad, -pad), 1 / padScale);
    // When the whole photo gave nothing, the padded frame's SSD faces are kept unchecked, as the single-pass
    // detector always kept them: every plan finds at least what it found (a very blurred face included).
    const firstPassFoundNone = !candidates.some((c) => c.primary);
    add(await ssd.detect(framed, { minConfidence, maxResults: maxFaces }), back, firstPassFoundNone, true);
    if (plan.blazeFace) {
      const blaze = await models.get('blazeFace').detect(framed, { minConfidence: BLAZE_MIN_CONFIDENCE, maxResults: maxFaces });
      add(blaze, (b) => blazeToSsd(back(b)), false, true);
    }
  }

  // Merge: the whole-photo detections first, as they are; then each extra candidate not on a face already
  // kept, confirmed by the check (when the plan asks for one), strongest first.
  const kept: (FaceDetection & { fromPadded: boolean })[] = suppress(
    candidates.filter((c) => c.primary),
    SAME_FACE_IOU,
  );
  const extras: Candidate[] = [];
  for (const c of candidates.filter((c) => !c.primary).sort((a, b) => b.score - a.score))
    if (!kept.some((k) => overlaps(k.box, c.box)) && !extras.some((e) => overlaps(e.box, c.box))) extras.push(c);
  const confirmed = plan.verify
    ? await confirm(
        models,
        image,
        extras.map((c) => c.box),
        minConfidence,
      )
    : extras;
  for (const [i, c] of extras.entries()) {
    const face = confirmed[i];
    if (face && kept.length < maxFaces && !kept.some((k) => overlaps(k.box, face.box))) kept.push({ ...face, fromPadded: c.fromPadded });
  }
  return {
    detections: kept.map(({ box, score }) => ({ box, score })),
    padded: kept.length > 0 && kept.every((k) => k.fromPadded),
  };
}

/** The same face: boxes overlapping enough, or one's centre inside the other (an SSD and a BlazeFace box differ in shape). */
function overlaps(a: Box, b: Box): boolean {
  if (iou(a, b) > SAME_FACE_IOU) return true;
  const inside = (p: Point, r: Box) => p.x > r.x && p.x < r.x + r.width && p.y > r.y && p.y < r.y + r.height;
  return inside(boxCenter(a), b) || inside(boxCenter(b), a);
}
