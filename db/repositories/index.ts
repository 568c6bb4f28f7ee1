// Runs wherever the store does. One repository per table, each the only code that writes it; the
// Store and import (db/portable.ts) write through these. The gallery table's one writer is db/gallery.ts.
import type { StoreDatabase } from '../types.ts';
import { CheckinsRepository } from './checkins.ts';
import { FacesRepository } from './faces.ts';
import { PeopleRepository } from './people.ts';
import { PhotosRepository } from './photos.ts';
import { SettingsRepository } from './settings.ts';
import { SpoofAttemptsRepository } from './spoof-attempts.ts';

export interface Repositories {
  people: PeopleRepository;
  photos: PhotosRepository;
  faces: FacesRepository;
  checkins: CheckinsRepository;
  settings: SettingsRepository;
  spoofAttempts: SpoofAttemptsRepository;
}

/** Prepares every repository's statements on a migrated connection. */
export function openRepositories(db: StoreDatabase): Repositories {
  return {
    people: new PeopleRepository(db),
    photos: new PhotosRepository(db),
    faces: new FacesRepository(db),
    checkins: new CheckinsRepository(db),
    settings: new SettingsRepository(db),
    spoofAttempts: new SpoofAttemptsRepository(db),
  };
}

/**
 * Moves everything of person `sourceId` (faces, check-ins, spoof attempts) to `targetId` and deletes the
 * source. The one merge of rows: Store.mergePeople and a registry pull's merge tombstone. Returns faces moved.
 */
export function mergePersonRows(repo: Repositories, sourceId: number, targetId: number, at: string): number {
  const moved = repo.faces.reassign(sourceId, targetId);
  repo.checkins.reassign(sourceId, targetId);
  repo.spoofAttempts.reassign(sourceId, targetId);
  repo.people.delete(sourceId);
  repo.people.touch(targetId, at);
  return moved;
}

/**
 * Deletes a person's rows: faces (embeddings, thumbnails), photo records no one else is in, check-ins, the
 * person. The one purge: Store.removePerson and a registry pull's removal tombstone (each then checkpoints the WAL).
 */
export function purgePersonRows(repo: Repositories, personId: number): { faces: number; photos: number; checkins: number } {
  const photoIds = repo.faces.photoIdsOf(personId);
  const faces = repo.faces.deleteByPerson(personId);
  const checkins = repo.checkins.deleteByPerson(personId);
  repo.people.delete(personId);
  let photos = 0;
  for (const photoId of photoIds) photos += repo.photos.deleteIfUnused(photoId);
  return { faces, photos, checkins };
}
