// Schema v2: the style-transfer gallery. Never edit after release: add a new numbered migration instead.

export const version = 2;
export const name = 'gallery';

export const sql = /* sql */ `
-- One stylised result. The image itself is a file (output_path); a small PNG thumbnail is kept here so
-- the gallery still shows something when the file was moved or deleted.
CREATE TABLE gallery (
  id               INTEGER PRIMARY KEY,
  created_at       TEXT NOT NULL,
  output_path      TEXT NOT NULL,
  width            INTEGER NOT NULL CHECK (width > 0),
  height           INTEGER NOT NULL CHECK (height > 0),
  content_path     TEXT NOT NULL,
  content_sha256   TEXT NOT NULL CHECK (length(content_sha256) = 64),
  styles           TEXT NOT NULL CHECK (json_valid(styles)),   -- [{ path, sha256, weight }]
  params           TEXT NOT NULL CHECK (json_valid(params)),   -- the resolved settings, seed included
  timings          TEXT NOT NULL CHECK (json_valid(timings)),  -- total and per-stage milliseconds
  iterations       INTEGER NOT NULL CHECK (iterations >= 0),
  ms_per_iteration REAL NOT NULL,
  loss_first       REAL,
  loss_last        REAL,
  identity_distance REAL,
  backend          TEXT NOT NULL,
  thumbnail        BLOB                                        -- PNG, longer side 256 px
) STRICT;
CREATE INDEX gallery_created ON gallery(created_at);
`;
