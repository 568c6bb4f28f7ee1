// Runs in a WorkerPool thread: decodes a photo and analyses every face of it for enrolment (the heavy
// part); the thread that owns the store decides which face to take, and writes it.
import { decodeImageFile } from '../image.ts';
import { analysePhoto, type AnalysedPhoto } from '../recognition/enrolment.ts';
import { serveTasks } from './task-worker.ts';
import { createModelRegistry } from '../models/loaded-models.ts';

export interface EnrolTask {
  file: string;
}

// This thread's own networks, loaded by the first photo and kept for the rest of the run.
const models = createModelRegistry();

serveTasks<EnrolTask, AnalysedPhoto>(async ({ file }) => analysePhoto(models, await decodeImageFile(file)));
