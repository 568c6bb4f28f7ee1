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
