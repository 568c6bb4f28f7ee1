// Runs wherever the store does. The one writer of the `spoof_attempts` table (migration 007). Runs
// inside the caller's transaction when there is one.
import type { NewSpoofAttempt, StoreDatabase } from '../types.ts';

export class SpoofAttemptsRepository {
  readonly #insert;
  readonly #reassign;

  constructor(db: StoreDatabase) {
    this.#insert = db.prepare(
      `INSERT INTO spoof_attempts (at, source, person_id, person_name, distance, reason, challenge, liveness, thumbnail)
       VALUES (@at, @source, @personId, @personName, @distance, @reason, @challenge, @liveness, @thumbnail)`,
    );
    this.#reassign = db.prepare<[number, number]>('UPDATE spoof_attempts SET person_id = ? WHERE person_id = ?');
  }

  insert(a: NewSpoofAttempt): number {
    const thumbnail = a.thumbnail ? Buffer.from(a.thumbnail.buffer, a.thumbnail.byteOffset, a.thumbnail.byteLength) : null;
    return Number(this.#insert.run({ ...a, thumbnail }).lastInsertRowid);
  }

  /** A merge: the attempts follow the person (deleting a person deletes theirs, ON DELETE CASCADE). */
  reassign(fromPersonId: number, toPersonId: number): number {
    return this.#reassign.run(toPersonId, fromPersonId).changes;
  }
}
