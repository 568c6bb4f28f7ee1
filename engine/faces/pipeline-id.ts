// Runs in the engine process. The id of the face pipeline that makes embeddings today: the descriptor's
// weights (a hash, models.ts) and the chip it is fed (its name and version). Every stored embedding
// records the id it was made with (faces.model_id); search compares only embeddings of one id, and
// engine/recognition/face-upgrade.ts re-embeds the faces of any other. Computed without loading a
// network, so the people list and the CLI can tell which faces are outdated cheaply.
// engine/faces/pipeline.ts must report exactly this id from analyzeFaces (one source of truth).
import { descriptorModelId, faceModelDir } from './models.ts';

/** The descriptor chip: dlib's get_face_chip_details, 150 × 150 px, padding 0.25. Change the name with the chip. */
export const CHIP_NAME = 'dlib-chip-150-pad0.25';

const cache = new Map<string, string>();

/** `<descriptor id>:<chip name>`, e.g. `dlib-resnet128-0123456789ab:dlib-chip-150-pad0.25` (hashed once per folder). */
export function currentPipelineId(dir = faceModelDir()): string {
  let id = cache.get(dir);
  if (id === undefined) {
    id = `${descriptorModelId(dir)}:${CHIP_NAME}`;
    cache.set(dir, id);
  }
  return id;
}
