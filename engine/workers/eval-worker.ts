// Runs in a WorkerPool thread: one photo of an evaluation (facekit eval pairs|identify), the heavy part.
// 'subject': the subject face's embedding and quality, or why there is none; 'enrol': every face of the
// photo analysed for enrolment (the thread that owns the evaluation's store decides and writes).
import { decodeImageFile } from '../image.ts';
import { analyzeFaces, type AnalyzedFace } from '../faces/pipeline.ts';
import { analysePhoto, type AnalysedPhoto } from '../recognition/enrolment.ts';
import { subjectFace } from '../evaluation/subject.ts';
import { isFaceKitError } from '../../api/errors.ts';
import { createModelRegistry } from '../models/loaded-models.ts';
import { serveTasks } from './task-worker.ts';

/** What evaluation reads of a photo's subject face (not the landmarks), and how many faces the photo had. */
export type SubjectFace = Pick<AnalyzedFace, 'embedding' | 'box' | 'score' | 'quality'> & { faceCount?: number };

export type EvalTask = { kind: 'subject'; file: string } | { kind: 'enrol'; file: string };

/** The subject face and the model that embedded it; or the reason there is none ("FILE: no face found", a decode error). */
export type SubjectOutcome = { face: SubjectFace; modelId: string } | { reason: string };

export type EvalTaskResult =
  { kind: 'subject'; outcome: SubjectOutcome } | { kind: 'enrol'; outcome: { photo: AnalysedPhoto } | { reason: string } };

// This thread's own networks, loaded by the first photo and kept for the rest of the run.
const models = createModelRegistry();

/** A photo's own problem (unreadable, corrupt, too large) is its outcome; a missing model or a bug fails the run. */
function photoProblem(error: unknown): { reason: string } {
  if (!isFaceKitError(error) || ['CANCELLED', 'MODEL_MISSING', 'INTERNAL'].includes(error.code)) throw error;
  return { reason: error.message };
}

async function subject(file: string): Promise<SubjectOutcome> {
  try {
    const image = await decodeImageFile(file);
    const analysis = await analyzeFaces(models, image);
    const face = subjectFace(analysis.faces, image);
    if (!face) return { reason: `${file}: no face found` };
    // Only what evaluation reads crosses back (not the landmarks).
    const { embedding, box, score, quality } = face;
    return { face: { embedding, box, score, quality, faceCount: analysis.faces.length }, modelId: analysis.modelId };
  } catch (error) {
    return photoProblem(error);
  }
}

async function enrol(file: string): Promise<{ photo: AnalysedPhoto } | { reason: string }> {
  try {
    return { photo: await analysePhoto(models, await decodeImageFile(file)) };
  } catch (error) {
    return photoProblem(error);
  }
}

serveTasks<EvalTask, EvalTaskResult>(async (task) =>
  task.kind === 'subject' ? { kind: 'subject', outcome: await subject(task.file) } : { kind: 'enrol', outcome: await enrol(task.file) },
);
