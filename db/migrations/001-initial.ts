// Schema v1. Applied once, inside a transaction, by db/migrate.ts. Never edit after release:
// add a new numbered migration instead.

export const version = 1;
export const name = 'initial';

export const sql = /* sql */ `
-- name_key is the case-folded name, computed in TypeScript (Unicode-aware) because SQLite's
-- NOCASE only folds ASCII; uniqueness and look-ups go through it.
CREATE TABLE people (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  name_key   TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

-- A photo is identified by its content hash, so importing the same file twice (or a copy of it
-- under another path) finds the existing row.
CREATE TABLE photos (
  id          INTEGER PRIMARY KEY,
  sha256      TEXT NOT NULL UNIQUE
                CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
  path        TEXT NOT NULL,
  width       INTEGER NOT NULL CHECK (width > 0),
  height      INTEGER NOT NULL CHECK (height > 0),
  imported_at TEXT NOT NULL
) STRICT;

-- One row per enrolled face (the biometric). photo_id may become NULL if provenance is dropped;
-- UNIQUE(photo_id, face_index) means one face of one photo belongs to exactly one person.
CREATE TABLE faces (
  id         INTEGER PRIMARY KEY,
  person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  photo_id   INTEGER REFERENCES photos(id) ON DELETE SET NULL,
  face_index INTEGER NOT NULL CHECK (face_index >= 0),
  box_x      REAL NOT NULL,
  box_y      REAL NOT NULL,
  box_w      REAL NOT NULL CHECK (box_w > 0),
  box_h      REAL NOT NULL CHECK (box_h > 0),
  score      REAL NOT NULL CHECK (score BETWEEN 0 AND 1),
  face_size  REAL NOT NULL CHECK (face_size >= 0),
  blur       REAL NOT NULL CHECK (blur >= 0),
  model_id   TEXT NOT NULL CHECK (length(model_id) > 0),
  dim        INTEGER NOT NULL CHECK (dim > 0),
  embedding  BLOB NOT NULL CHECK (length(embedding) = 4 * dim), -- Float32 little-endian
  created_at TEXT NOT NULL,
  UNIQUE (photo_id, face_index)
) STRICT;
CREATE INDEX faces_person ON faces(person_id);
CREATE INDEX faces_model_dim ON faces(model_id, dim);

-- All embeddings of one model must share a dimension, or the search matrix is meaningless.
CREATE TRIGGER faces_dim_insert BEFORE INSERT ON faces
WHEN EXISTS (SELECT 1 FROM faces WHERE model_id = NEW.model_id AND dim <> NEW.dim)
BEGIN
  SELECT RAISE(ABORT, 'embedding dimension differs from other faces of the same model');
END;
CREATE TRIGGER faces_dim_update BEFORE UPDATE OF model_id, dim ON faces
WHEN EXISTS (SELECT 1 FROM faces WHERE model_id = NEW.model_id AND dim <> NEW.dim AND id <> NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'embedding dimension differs from other faces of the same model');
END;

-- Check-ins outlive the person (SET NULL) and keep a name snapshot for the log.
CREATE TABLE checkins (
  id          INTEGER PRIMARY KEY,
  person_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
  person_name TEXT NOT NULL,
  distance    REAL CHECK (distance IS NULL OR distance >= 0),
  at          TEXT NOT NULL, -- ISO 8601 UTC (toISOString), so text order is time order
  source      TEXT NOT NULL CHECK (length(source) > 0)
) STRICT;
CREATE INDEX checkins_at ON checkins(at);
CREATE INDEX checkins_person ON checkins(person_id); -- for ON DELETE SET NULL and merges

CREATE TABLE settings (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL CHECK (json_valid(value)),
  updated_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
`;
