// Runs in a WorkerPool thread: decodes a photo and analyses every face of it (facekit cluster), the
// heavy part; the calling thread groups the faces and, if asked, enrols them.
import { decodeImageFile } from '../image.ts';
import { analysePhoto, type AnalysedPhoto } from '../recognition/enrolment.ts';
import { serveTasks } from './task-worker.ts';
import { createModelRegistry } from '../models/loaded-models.ts';

export interface ClusterTask {
  file: string;
}

// This thread's own networks, loaded by the first photo and kept for the rest of the run.
const models = createModelRegistry();

// One view per face, as a query (and the kiosk's unknown faces) is embedded: the cut was chosen on those
// (bench/cluster.bench.ts). Enrolment's extra mirrored view would double the descriptor's time here.
const QUERY_VIEWS = { mirror: false, jitters: 0 };

serveTasks<ClusterTask, AnalysedPhoto>(async ({ file }) => analysePhoto(models, await decodeImageFile(file), { views: QUERY_VIEWS }));
