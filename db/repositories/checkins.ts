// Runs wherever the store does. The one writer of the `checkins` table. Runs inside the caller's
// transaction (Store#write: IMMEDIATE).
import type { NewCheckin, StoreDatabase } from '../types.ts';

export class CheckinsRepository {
  readonly #insert;
  readonly #exists;
  readonly #reassign;
  readonly #deleteByPerson;
  readonly #delete;
  readonly #attribute;

  constructor(db: StoreDatabase) {
    this.#insert = db.prepare<[number | null, string, number | null, string, string]>(
      'INSERT INTO checkins (person_id, person_name, distance, at, source) VALUES (?, ?, ?, ?, ?)',
    );
    this.#exists = db
      .prepare<[string, string, string, number | null], 1>(
        'SELECT 1 FROM checkins WHERE at = ? AND person_name = ? AND source = ? AND distance IS ?',
      )
      .pluck();
    this.#reassign = db.prepare<[number, number]>('UPDATE checkins SET person_id = ? WHERE person_id = ?');
    this.#deleteByPerson = db.prepare<[number]>('DELETE FROM checkins WHERE person_id = ?');
    this.#delete = db.prepare<[number]>('DELETE FROM checkins WHERE id = ?');
    this.#attribute = db.prepare<[number, string, number]>(
      'UPDATE checkins SET person_id = ?, person_name = ? WHERE id = ? AND person_id IS NULL',
    );
  }

  insert(c: NewCheckin): number {
    return Number(this.#insert.run(c.personId, c.personName, c.distance, c.at, c.source).lastInsertRowid);
  }

  /** A check-in with the same time, name snapshot, source and distance is already there (import skips it). */
  exists(c: Omit<NewCheckin, 'personId'>): boolean {
    return this.#exists.get(c.at, c.personName, c.source, c.distance) !== undefined;
  }

  /** Moves the link to another person (a merge); the name snapshot stays as it was at check-in time. */
  reassign(fromPersonId: number, toPersonId: number): number {
    return this.#reassign.run(toPersonId, fromPersonId).changes;
  }

  deleteByPerson(personId: number): number {
    return this.#deleteByPerson.run(personId).changes;
  }

  /** An unknown face's check-in turns out to be this person's (a kiosk visitor was named): returns 1 if it was unknown. */
  attribute(id: number, personId: number, personName: string): number {
    return this.#attribute.run(personId, personName, id).changes;
  }

  /** Deletes one check-in (registry mode: the server dropped it as a repeat within another kiosk's cool-down). */
  delete(id: number): number {
    return this.#delete.run(id).changes;
  }
}
