// Schema v8: the unknown faces the kiosk logged (issue #12, "Kiosk visitors"), grouped into visitors.
// - visitors: one row per group. AUTOINCREMENT, so a number is never given twice: "Visitor 3" stays
//   Visitor 3 while faces arrive, and a deleted Visitor 3 is not reborn as somebody else.
// - visitor_faces: each unknown face the kiosk checked in: the embedding (with its pipeline id, like
//   faces), a 128 px thumbnail, when, the check-in it was logged with, and which frame it came from
//   (hash, size, face index, box, quality), so naming the visitor can enrol it as an ordinary face of
//   a photo record. Biometric data like faces: deleted with the visitor (secure_delete zeroes it) and
//   encrypted with the rest of the store.
// Never edit after release: add a new numbered migration instead.

export const version = 8;
export const name = 'visitors';

export const sql = /* sql */ `
CREATE TABLE visitors (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE visitor_faces (
  id           INTEGER PRIMARY KEY,
  visitor_id   INTEGER NOT NULL REFERENCES visitors(id),
  checkin_id   INTEGER REFERENCES checkins(id) ON DELETE SET NULL,
  seen_at      TEXT NOT NULL, -- ISO 8601 UTC, so text order is time order
  source       TEXT NOT NULL CHECK (length(source) > 0),
  frame_sha256 TEXT NOT NULL CHECK (length(frame_sha256) = 64 AND frame_sha256 NOT GLOB '*[^0-9a-f]*'),
  frame_width  INTEGER NOT NULL CHECK (frame_width > 0),
  frame_height INTEGER NOT NULL CHECK (frame_height > 0),
  face_index   INTEGER NOT NULL CHECK (face_index >= 0),
  box_x        REAL NOT NULL,
  box_y        REAL NOT NULL,
  box_w        REAL NOT NULL CHECK (box_w > 0),
  box_h        REAL NOT NULL CHECK (box_h > 0),
  score        REAL NOT NULL CHECK (score BETWEEN 0 AND 1),
  face_size    REAL NOT NULL CHECK (face_size >= 0),
  blur         REAL NOT NULL CHECK (blur >= 0),
  model_id     TEXT NOT NULL CHECK (length(model_id) > 0),
  dim          INTEGER NOT NULL CHECK (dim > 0),
  embedding    BLOB NOT NULL CHECK (length(embedding) = 4 * dim), -- Float32 little-endian
  thumbnail    BLOB NOT NULL
) STRICT;
CREATE INDEX visitor_faces_visitor ON visitor_faces(visitor_id);
CREATE INDEX visitor_faces_model ON visitor_faces(model_id);
CREATE INDEX visitor_faces_checkin ON visitor_faces(checkin_id);
`;
