// Registry schema v2 (PostgreSQL): tombstones, so a pull learns what was deleted. Applied once, in a
// transaction, by db/postgres/migrate.ts. Never edit after release: add a new numbered migration instead.
//
// A deleted row leaves nothing for "seq > cursor" to find; its tombstone carries the seq instead. A person
// removed (`merged_into` NULL) is purged by every kiosk; a person merged names the survivor, so kiosks move
// what they hold of the source (check-ins, spoof attempts) to it. `server_id`s are identities, never reused.

export const version = 2;
export const name = 'deletions';

export const sql = /* sql */ `
CREATE TABLE deletions (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('person', 'face')),
  server_id   bigint NOT NULL,
  merged_into bigint CHECK (merged_into IS NULL OR kind = 'person'),
  deleted_at  timestamptz NOT NULL DEFAULT now(),
  seq         bigint NOT NULL DEFAULT nextval('changes_seq'),
  UNIQUE (kind, server_id)
);
CREATE INDEX deletions_seq ON deletions(seq);
`;
