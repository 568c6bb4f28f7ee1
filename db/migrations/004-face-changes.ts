// Schema v4: a log of the changes that can alter a face search's answer. Search caches (the exact
// matrix in db/store.ts, the HNSW index in db/search/face-search.ts) compare its newest seq to the one they
// were built at, and the HNSW index replays the faces changed since, instead of re-reading every
// embedding after each write: check-ins, settings and the gallery do not touch it. Also makes the
// dimension guards of 001 use their index.
// Never edit after release: add a new numbered migration instead.

export const version = 4;
export const name = 'face-changes';

export const sql = /* sql */ `
-- One row per changed face (added, moved to another person, re-embedded, deleted) or renamed person.
-- AUTOINCREMENT: a seq is never reused, so "newest seq" works as a generation number even after pruning.
CREATE TABLE face_changes (
  seq       INTEGER PRIMARY KEY AUTOINCREMENT,
  face_id   INTEGER,  -- the face whose row changed (it may be gone); NULL for a person-only change
  person_id INTEGER   -- the renamed or deleted person; NULL for a face change
) STRICT;

CREATE TRIGGER face_changes_face_insert AFTER INSERT ON faces
BEGIN INSERT INTO face_changes (face_id) VALUES (NEW.id); END;
CREATE TRIGGER face_changes_face_update AFTER UPDATE OF person_id, model_id, dim, embedding ON faces
BEGIN INSERT INTO face_changes (face_id) VALUES (NEW.id); END;
CREATE TRIGGER face_changes_face_delete AFTER DELETE ON faces
BEGIN INSERT INTO face_changes (face_id) VALUES (OLD.id); END;
-- Names are part of a search result; a deleted person's faces are logged by the face trigger (the
-- cascade fires it too), the person row is logged as well for the name caches.
CREATE TRIGGER face_changes_person_rename AFTER UPDATE OF name ON people
BEGIN INSERT INTO face_changes (person_id) VALUES (NEW.id); END;
CREATE TRIGGER face_changes_person_delete AFTER DELETE ON people
BEGIN INSERT INTO face_changes (person_id) VALUES (OLD.id); END;

-- The dimension guards of migration 001 tested dim <> NEW.dim, which no index can seek, so every
-- enrolment scanned all faces of the model (~1.5 ms at 20 000 faces, and bulk imports grew quadratic).
-- Two range tests each seek faces_model_dim (an OR of the two does not, with bound values); same rule.
DROP TRIGGER faces_dim_insert;
DROP TRIGGER faces_dim_update;
CREATE TRIGGER faces_dim_insert BEFORE INSERT ON faces
WHEN EXISTS (SELECT 1 FROM faces WHERE model_id = NEW.model_id AND dim < NEW.dim)
  OR EXISTS (SELECT 1 FROM faces WHERE model_id = NEW.model_id AND dim > NEW.dim)
BEGIN
  SELECT RAISE(ABORT, 'embedding dimension differs from other faces of the same model');
END;
CREATE TRIGGER faces_dim_update BEFORE UPDATE OF model_id, dim ON faces
WHEN EXISTS (SELECT 1 FROM faces WHERE model_id = NEW.model_id AND dim < NEW.dim AND id <> NEW.id)
  OR EXISTS (SELECT 1 FROM faces WHERE model_id = NEW.model_id AND dim > NEW.dim AND id <> NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'embedding dimension differs from other faces of the same model');
END;

-- Keep the newest 100 000 changes: an index further behind than that is rebuilt rather than replayed.
CREATE TRIGGER face_changes_prune AFTER INSERT ON face_changes
BEGIN DELETE FROM face_changes WHERE seq <= NEW.seq - 100000; END;
`;
