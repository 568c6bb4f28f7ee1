// Runs in an engine worker thread. Engine and store records → the api's wire types, and image bytes
// from a call → decoded pixels.
import path from 'node:path';
import type { OutdatedCount, PersonRow } from '../../db/store.ts';
import type { GalleryItem as GalleryRow } from '../../db/gallery.ts';
import { decodeImageBuffer, type DecodedImage } from '../../engine/image.ts';
import type { Box as EngineBox } from '../../engine/faces/geometry.ts';
import type { Box, GalleryItem, Person, StyleStopReason } from '../../api/definition.ts';

export function decodeArg(image: { bytes: Uint8Array; name: string }): Promise<DecodedImage> {
  return decodeImageBuffer(Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength), image.name);
}

export function toBox(box: EngineBox): Box {
  const round = (n: number) => Math.round(n * 10) / 10;
  return { x: round(box.x), y: round(box.y), width: round(box.width), height: round(box.height) };
}

/** `outdated`: the person's faces of an older face pipeline (outdatedByPerson, engine/recognition/face-upgrade.ts); undefined when they have none. */
export function toPerson(row: PersonRow, thumbnailFaceId: number | null, outdated: OutdatedCount | undefined): Person {
  return {
    id: row.id,
    name: row.name,
    faceCount: row.faceCount,
    photoCount: row.photoCount,
    createdAt: row.createdAt,
    thumbnailFaceId,
    outdatedFaces: outdated?.outdated ?? 0,
    needReenrolment: outdated?.needReenrolment ?? 0,
  };
}

// One conversion of check-in rows for the app and the CLI (engine/recognition/checkin-log.ts).
export { toCheckin, toSpoofAttempt } from '../../engine/recognition/checkin-log.ts';

/** Style inputs are stored as `<hash prefix>-<original name>`; show the original name. */
export function displayName(file: string): string {
  return path.basename(file).replace(/^[0-9a-f]{12}-/, '');
}

export function toGalleryItem(row: GalleryRow): GalleryItem {
  return {
    id: row.id,
    createdAt: row.createdAt,
    width: row.width,
    height: row.height,
    contentName: displayName(row.contentPath),
    styleNames: row.styles.map((s) => displayName(s.path)),
    iterations: row.iterations,
    msPerIteration: row.msPerIteration,
    identityDistance: row.identityDistance,
    backend: row.backend,
    stopReason: isStopReason(row.timings.stopReason) ? row.timings.stopReason : null,
  };
}

const STOP_REASONS: readonly unknown[] = ['converged', 'budget', 'iterations', 'cancelled'] satisfies StyleStopReason[];
const isStopReason = (value: unknown): value is StyleStopReason => STOP_REASONS.includes(value);
