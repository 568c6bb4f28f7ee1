// Schema v7: spoof attempts at the kiosk (#12): a face that was recognised but refused as not live
// (passive liveness too low, or the active challenge not passed). A table of its own rather than a kind
// of check-in, so nothing that reads check-ins (the cool-down, the registry outbox, a person's visits,
// import/export) can mistake an attempt for a visit. The thumbnail shows the face held to the camera —
// the enrolled person's likeness — so the row goes with that person (ON DELETE CASCADE). Never edit after
// release: add a new numbered migration instead.

export const version = 7;
export const name = 'spoof-attempts';

export const sql = /* sql */ `
CREATE TABLE spoof_attempts (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL, -- ISO 8601 UTC, so text order is time order
  source      TEXT NOT NULL CHECK (length(source) > 0), -- which kiosk
  person_id   INTEGER REFERENCES people(id) ON DELETE CASCADE, -- who it looked like
  person_name TEXT NOT NULL,
  distance    REAL CHECK (distance IS NULL OR distance >= 0),
  reason      TEXT NOT NULL CHECK (reason IN ('passive', 'challenge-timeout', 'challenge-wrong-way')),
  challenge   TEXT CHECK (challenge IS NULL OR challenge IN ('blink', 'turn-left', 'turn-right')),
  liveness    REAL CHECK (liveness IS NULL OR (liveness >= 0 AND liveness <= 1)), -- mean passive score, when measured
  thumbnail   BLOB
) STRICT;
CREATE INDEX spoof_attempts_at ON spoof_attempts(at);
CREATE INDEX spoof_attempts_person ON spoof_attempts(person_id);
`;
