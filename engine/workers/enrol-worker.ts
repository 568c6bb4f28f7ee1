// Runs in a WorkerPool thread: decodes a photo and prepares its face for enrolment (the heavy part);
// the thread that owns the store writes it.
import { decodeImageFile } from '../image.ts';
import { prepareEnrolment, type EnrolOptions, type PreparedEnrolment } from '../recognition/enrolment.ts';
import { serveTasks } from './task-worker.ts';

export interface EnrolTask { file: string; options: Pick<EnrolOptions, 'allowLowQuality'> }

serveTasks<EnrolTask, PreparedEnrolment>(async ({ file, options }) => prepareEnrolment(await decodeImageFile(file), options));
