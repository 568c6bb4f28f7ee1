// Runs in a WorkerPool thread: decodes a photo and prepares its face for enrolment (the heavy part);
// the thread that owns the store writes it.
import { decodeImageFile } from '../image.ts';
import { prepareEnrolment, type EnrolOptions, type PreparedEnrolment } from '../recognition/enrolment.ts';
import { serveTasks } from './task-worker.ts';
import { createModelRegistry } from '../models/loaded-models.ts';

export interface EnrolTask {
  file: string;
  options: Pick<EnrolOptions, 'allowLowQuality'>;
}

// This thread's own networks, loaded by the first photo and kept for the rest of the run.
const models = createModelRegistry();

serveTasks<EnrolTask, PreparedEnrolment>(async ({ file, options }) => prepareEnrolment(models, await decodeImageFile(file), options));
