// Registry schema v1 (PostgreSQL). Applied once, in a transaction, by db/postgres/migrate.ts. Never edit
// after release: add a new numbered migration instead.
//
// Every row carries `seq` from one sequence: a kiosk pulls "everything after cursor N". Writers hold one
// transaction-level advisory lock (db/postgres/registry.ts, WRITE_LOCK) while they take a seq and commit,
// so seqs become visible in order and a cursor never skips a row that commits late.
// Biometrics are never stored in the clear: `faces.sealed` is AES-256-GCM ciphertext made on the kiosk
// (db/sync/crypto.ts) and `faces.photo_tag` an HMAC of the photo's hash under a key the server never sees.

export const version = 1;
export const name = 'registry';

export const sql = /* sql */ `
CREATE TABLE registry_meta (
  key   text PRIMARY KEY,
  value text NOT NULL
);
-- registry_id: which registry a local cache follows; kdf_salt: the salt of the biometrics key
-- (HKDF over FACEKIT_KEY); key_check: a known text sealed by the first kiosk, to tell a wrong key at once.
INSERT INTO registry_meta (key, value) VALUES
  ('registry_id', gen_random_uuid()::text),
  ('kdf_salt', encode(sha256(gen_random_uuid()::text::bytea || clock_timestamp()::text::bytea), 'hex'));

CREATE SEQUENCE changes_seq;

CREATE TABLE people (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  name_key   text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  seq        bigint NOT NULL DEFAULT nextval('changes_seq')
);
CREATE INDEX people_seq ON people(seq);

CREATE TABLE faces (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  person_id  bigint NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  photo_tag  bytea NOT NULL CHECK (length(photo_tag) = 32),
  face_index integer NOT NULL CHECK (face_index >= 0),
  model_id   text NOT NULL CHECK (length(model_id) > 0),
  sealed     bytea NOT NULL CHECK (length(sealed) > 28), -- nonce (12) | ciphertext | GCM tag (16)
  created_at timestamptz NOT NULL DEFAULT now(),
  seq        bigint NOT NULL DEFAULT nextval('changes_seq'),
  UNIQUE (photo_tag, face_index)
);
CREATE INDEX faces_person ON faces(person_id);
CREATE INDEX faces_seq ON faces(seq);

-- key: the kiosk's idempotency key (a uuid made when the check-in happened): a retried flush is a no-op.
CREATE TABLE checkins (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key         uuid NOT NULL UNIQUE,
  person_id   bigint REFERENCES people(id) ON DELETE SET NULL,
  person_name text NOT NULL,
  distance    double precision CHECK (distance IS NULL OR distance >= 0),
  at          timestamptz NOT NULL,
  source      text NOT NULL CHECK (length(source) > 0),
  kiosk       text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  seq         bigint NOT NULL DEFAULT nextval('changes_seq')
);
CREATE INDEX checkins_person_at ON checkins(person_id, at);
CREATE INDEX checkins_seq ON checkins(seq);
`;
