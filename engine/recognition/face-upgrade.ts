// Runs in the engine process. Re-embeds the faces made by an older face pipeline (faces.model_id ≠ the
// current pipeline id, engine/faces/pipeline-id.ts) from what the store keeps: the original photo's path
// and hash. Each photo still at its path with the same bytes is analysed again with the current pipeline;
// the stored face is found in it by box overlap and re-embedded in its own transaction (db/store.ts,
// through the faces repository). A face that cannot be (no photo record, photo moved, changed or
// unreadable, face not found again) keeps its old embedding, which search does not see, and is marked
// as needing re-enrolment for this pipeline (migration 005), so the people list, the CLI and the app name
// it instead of its person silently turning "unknown".
import path from 'node:path';
import { FaceKitError, isFaceKitError, throwIfCancelled } from '../../api/errors.ts';
import type { OutdatedCount, OutdatedFace, Store, UpgradeProblem } from '../../db/store.ts';
import { decodeImageFile, type DecodedImage } from '../image.ts';
import { analyzeFaces, ENROL_VIEWS, type AnalyzedFace } from '../faces/pipeline.ts';
import { currentPipelineId } from '../faces/pipeline-id.ts';
import type { FaceModels } from '../faces/nets.ts';
import { iou } from '../faces/geometry.ts';

/** The stored box and the re-detected one must overlap at least this much (intersection over union) to be the same face. */
export const MIN_BOX_OVERLAP = 0.5;

/** What each problem means, for the CLI and the app to say. */
export const UPGRADE_PROBLEMS: Record<UpgradeProblem, string> = {
  'no-photo': 'no photo on disk to re-embed from (enrolled from the app, a camera or an import)',
  'photo-missing': 'the photo is no longer at its path',
  'photo-changed': 'the file at the photo’s path is not the enrolled photo any more',
  'photo-unreadable': 'the photo cannot be read',
  'face-not-found': 'the current pipeline does not find this face in the photo',
};

export interface UpgradedFace {
  faceId: number;
  person: string;
  photoPath: string;
  /** How far the new embedding's box moved: the overlap with the stored box (1 = the same box). */
  overlap: number;
}

export interface FaceNeedingReenrolment {
  faceId: number;
  person: string;
  photoPath: string | null;
  problem: UpgradeProblem;
  /** The problem in words, with the file's own error where there is one. */
  message: string;
}

export interface UpgradeReport {
  /** The pipeline the faces were re-embedded with. */
  pipelineId: string;
  /** Outdated faces looked at. */
  checked: number;
  upgraded: UpgradedFace[];
  needReenrolment: FaceNeedingReenrolment[];
  /** Faces another process upgraded, moved or deleted while this run worked: nothing written for them. */
  changedMeanwhile: number;
}

export interface UpgradeOptions {
  /** Only the faces not already tried for the current pipeline (false: try every outdated face again, e.g. a photo put back). */
  skipTried?: boolean;
  /** Called after each face: how many are done of how many, and the photo being worked on. */
  onProgress?: (done: number, total: number, photo: string | null) => void;
  signal?: AbortSignal;
}

/** A path an upgrade can read the photo from: app enrolments record the upload's or camera shot's name instead. */
function hasPhotoOnDisk(face: Pick<OutdatedFace, 'photoPath' | 'photoSha256'>): boolean {
  return face.photoPath !== null && face.photoSha256 !== null && path.isAbsolute(face.photoPath);
}

/**
 * Why the face needs re-enrolment, or null while an upgrade may still re-embed it: it has no photo on disk
 * to re-embed from, or an upgrade to `pipelineId` already failed (the photo put back, a new run retries).
 */
export function reenrolmentProblem(face: OutdatedFace, pipelineId = currentPipelineId()): UpgradeProblem | null {
  if (face.upgradePipeline === pipelineId && face.upgradeProblem) return face.upgradeProblem;
  return hasPhotoOnDisk(face) ? null : 'no-photo';
}

/** personId → their faces of an older pipeline, and how many of those need re-enrolment; people with none are absent. */
export function outdatedByPerson(store: Store, pipelineId = currentPipelineId()): Map<number, OutdatedCount> {
  const counts = new Map<number, OutdatedCount>();
  for (const face of store.outdatedFaces(pipelineId)) {
    const count = counts.get(face.personId) ?? { outdated: 0, needReenrolment: 0 };
    count.outdated++;
    if (reenrolmentProblem(face, pipelineId)) count.needReenrolment++;
    counts.set(face.personId, count);
  }
  return counts;
}

/** The outdated faces an upgrade would look at now. */
export function facesToUpgrade(
  store: Store,
  options: Pick<UpgradeOptions, 'skipTried'> = {},
  pipelineId = currentPipelineId(),
): OutdatedFace[] {
  const outdated = store.outdatedFaces(pipelineId);
  return options.skipTried ? outdated.filter((f) => f.upgradePipeline !== pipelineId) : outdated;
}

/** Groups faces by photo (a group photo is analysed once for all its enrolled faces); faces without a photo come first. */
function byPhoto(faces: OutdatedFace[]): { path: string | null; sha256: string | null; faces: OutdatedFace[] }[] {
  const groups = new Map<string, { path: string | null; sha256: string | null; faces: OutdatedFace[] }>();
  for (const face of faces) {
    const key = face.photoId === null ? `face:${face.id}` : `photo:${face.photoId}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { path: face.photoPath, sha256: face.photoSha256, faces: [] }));
    group.faces.push(face);
  }
  return [...groups.values()].sort((a, b) => Number(a.path !== null) - Number(b.path !== null));
}

/** Each stored face's best match among the re-detected faces (each taken once, best overlaps first). */
function matchFaces(stored: OutdatedFace[], found: AnalyzedFace[]): Map<number, { face: AnalyzedFace; overlap: number }> {
  const pairs = stored.flatMap((s) => found.map((f) => ({ s, f, overlap: iou(s.box, f.box) })));
  pairs.sort((a, b) => b.overlap - a.overlap);
  const matched = new Map<number, { face: AnalyzedFace; overlap: number }>();
  const taken = new Set<AnalyzedFace>();
  for (const { s, f, overlap } of pairs) {
    if (overlap < MIN_BOX_OVERLAP) break;
    if (matched.has(s.id) || taken.has(f)) continue;
    matched.set(s.id, { face: f, overlap });
    taken.add(f);
  }
  return matched;
}

/**
 * Re-embeds every outdated face it can from its photo, one transaction per face, and marks the others as
 * needing re-enrolment. Safe to run while the app or another CLI uses the store, and to stop at any point
 * (Ctrl-C, `signal`): each face is either re-embedded or left as it was.
 */
export async function upgradeFaces(models: FaceModels, store: Store, options: UpgradeOptions = {}): Promise<UpgradeReport> {
  const pipelineId = currentPipelineId();
  const faces = facesToUpgrade(store, options, pipelineId);
  const report: UpgradeReport = { pipelineId, checked: faces.length, upgraded: [], needReenrolment: [], changedMeanwhile: 0 };
  let done = 0;
  const progress = (photo: string | null, count: number) => {
    done += count;
    options.onProgress?.(done, faces.length, photo);
  };
  const fail = (face: OutdatedFace, problem: UpgradeProblem, detail?: string) => {
    store.markFaceNotUpgraded(face.id, pipelineId, problem);
    const message = detail ? `${UPGRADE_PROBLEMS[problem]} (${detail})` : UPGRADE_PROBLEMS[problem];
    report.needReenrolment.push({ faceId: face.id, person: face.personName, photoPath: face.photoPath, problem, message });
  };

  for (const group of byPhoto(faces)) {
    throwIfCancelled(options.signal);
    if (group.path === null || group.sha256 === null || !hasPhotoOnDisk({ photoPath: group.path, photoSha256: group.sha256 })) {
      for (const face of group.faces) fail(face, 'no-photo');
      progress(group.path, group.faces.length);
      continue;
    }
    let image: DecodedImage;
    try {
      image = await decodeImageFile(group.path);
    } catch (error) {
      if (!isFaceKitError(error)) throw error;
      const problem: UpgradeProblem = /file not found/.test(error.message) ? 'photo-missing' : 'photo-unreadable';
      for (const face of group.faces) fail(face, problem, problem === 'photo-unreadable' ? error.message : undefined);
      progress(group.path, group.faces.length);
      continue;
    }
    if (image.sha256 !== group.sha256) {
      for (const face of group.faces) fail(face, 'photo-changed');
      progress(group.path, group.faces.length);
      continue;
    }
    const analysis = await analyzeFaces(models, image, { views: ENROL_VIEWS, signal: options.signal }); // as enrolment makes them
    if (analysis.modelId !== pipelineId) {
      // Two answers to "which pipeline is this": writing either would mix embeddings under one id.
      throw new FaceKitError(
        'INTERNAL',
        `the face pipeline made embeddings as "${analysis.modelId}" but engine/faces/pipeline-id.ts names it "${pipelineId}"`,
      );
    }
    const matched = matchFaces(group.faces, analysis.faces);
    for (const face of group.faces) {
      const match = matched.get(face.id);
      if (!match) {
        fail(face, 'face-not-found');
        continue;
      }
      const { face: found, overlap } = match;
      const written = store.reembedOutdatedFace(face.id, face.modelId, {
        faceIndex: face.faceIndex,
        box: found.box,
        score: found.score,
        faceSize: found.quality.faceSize,
        blur: found.quality.blur,
        modelId: analysis.modelId,
        embedding: found.embedding,
      });
      if (written) report.upgraded.push({ faceId: face.id, person: face.personName, photoPath: group.path, overlap });
      else report.changedMeanwhile++;
    }
    progress(group.path, group.faces.length);
  }
  return report;
}
