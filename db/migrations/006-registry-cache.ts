// Schema v6: what a store needs to be the local cache of a registry (PostgreSQL, registry mode:
// FACEKIT_DB=postgres://…, db/sync/replica.ts). Empty and unused in plain SQLite mode.
// - registry_state: which registry this cache follows and the change cursor (seq) it has pulled up to.
// - registry_people / registry_faces / registry_checkins: server id ↔ local row, so a pull applies each
//   server row once and a kiosk's own check-in, when it comes back from the server, is not doubled.
// - registry_outbox: check-ins made here and not yet accepted by the server (the offline queue); each
//   has the idempotency key the server keeps it unique by.
// Never edit after release: add a new numbered migration instead.

export const version = 6;
export const name = 'registry-cache';

export const sql = /* sql */ `
CREATE TABLE registry_state (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE registry_people (
  server_id INTEGER PRIMARY KEY,
  local_id  INTEGER NOT NULL UNIQUE REFERENCES people(id) ON DELETE CASCADE
) STRICT;

CREATE TABLE registry_faces (
  server_id INTEGER PRIMARY KEY,
  local_id  INTEGER NOT NULL UNIQUE REFERENCES faces(id) ON DELETE CASCADE
) STRICT;

CREATE TABLE registry_checkins (
  key       TEXT PRIMARY KEY,
  server_id INTEGER UNIQUE,
  local_id  INTEGER UNIQUE REFERENCES checkins(id) ON DELETE SET NULL
) STRICT;

CREATE TABLE registry_outbox (
  key              TEXT PRIMARY KEY,
  local_checkin_id INTEGER REFERENCES checkins(id) ON DELETE SET NULL,
  person_id        INTEGER, -- local people.id (mapped to the server's at flush time); NULL: unknown face
  person_name      TEXT NOT NULL,
  distance         REAL,
  at               TEXT NOT NULL,
  source           TEXT NOT NULL,
  kiosk            TEXT NOT NULL,
  cooldown_s       REAL NOT NULL,
  queued_at        TEXT NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT
) STRICT;
CREATE INDEX registry_outbox_at ON registry_outbox(queued_at);
`;
