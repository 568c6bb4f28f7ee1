// Runs in the engine process (the CLI today). Enrolment in registry mode: the photo is analysed and the
// face chosen exactly as in SQLite mode (analysePhoto → decideEnrolment, with the person's faces from the
// local cache as evidence), then written to the registry first (db/sync/replica.ts: person + face in one
// server transaction) and pulled into the cache. The server being down fails the enrolment with a clear
// message; nothing is written locally.
import type { Replica } from '../../db/sync/replica.ts';
import type { DecodedImage } from '../image.ts';
import {
  analysePhoto,
  decideEnrolment,
  enrolmentResult,
  storedEvidence,
  type EnrolOptions,
  type EnrolResult,
} from '../recognition/enrolment.ts';

type FaceModels = Parameters<typeof analysePhoto>[0];

export async function enrolThroughRegistry(
  models: FaceModels,
  replica: Replica,
  personName: string,
  image: DecodedImage,
  options: EnrolOptions = {},
): Promise<EnrolResult> {
  const photo = await analysePhoto(models, image, options);
  const prepared = decideEnrolment(photo, { ...options, evidence: storedEvidence(replica.store, personName, photo.modelId) });
  return enrolmentResult(personName, prepared, await replica.enrol(personName, prepared.photo, prepared.face));
}
