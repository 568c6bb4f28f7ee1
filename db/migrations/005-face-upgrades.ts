// Schema v5: what became of re-embedding a face whose embedding was made by an older face pipeline
// (faces.model_id ≠ the current pipeline id, engine/faces/pipeline-id.ts). The store keeps no photo and
// no chip (see docs/ARCHITECTURE.md, "Honest embeddings"): an outdated face is re-embedded from its
// original photo (photos.path, checked against photos.sha256) by engine/recognition/face-upgrade.ts;
// when that cannot be done, these columns say for which pipeline it failed and why, so the people list,
// the CLI and the app name the faces that need re-enrolment instead of dropping them silently from
// search. Both are cleared when the face is re-embedded. Not logged in face_changes (no search answer
// changes). Never edit after release: add a new numbered migration instead.

export const version = 5;
export const name = 'face-upgrades';

export const sql = /* sql */ `
ALTER TABLE faces ADD COLUMN upgrade_pipeline TEXT CHECK (upgrade_pipeline IS NULL OR length(upgrade_pipeline) > 0);
ALTER TABLE faces ADD COLUMN upgrade_problem TEXT
  CHECK (upgrade_problem IS NULL OR upgrade_problem IN ('no-photo', 'photo-missing', 'photo-changed', 'photo-unreadable', 'face-not-found'));
`;
