// Runs in the engine process. Kiosk visitors (issue #12): each unknown face the kiosk logs is stored
// with its embedding and a thumbnail, and its pipeline's unknown faces are clustered again
// (engine/recognition/clustering.ts: deterministic, no number of groups needed; above a few hundred
// faces only the part the new face can change); visitor-ids.ts keeps each group's visitor number where
// the group persists (groupVisitorFaces). One transaction records and regroups.
import type { CheckinRow, Store } from '../../db/store.ts';
import type { DecodedImage } from '../image.ts';
import { storedFace } from './enrolment.ts';
import { groupVisitorFaces } from './visitor-ids.ts';
import type { AnalyzedMatch } from './recognition.ts';

/**
 * After a kiosk frame: when it logged an unknown face's check-in, records the frame's unknown faces
 * under that check-in and regroups. Every unknown face of the frame is kept, not only the one the
 * check-in was written for: the kiosk logs one unknown check-in per appearance because it cannot tell
 * strangers apart, but the grouping can. Returns the visitors the faces went to (empty: nothing logged).
 */
export async function recordUnknownFaces(
  store: Store,
  frame: DecodedImage,
  modelId: string,
  faces: readonly AnalyzedMatch[],
  checkins: readonly CheckinRow[],
): Promise<number[]> {
  const checkin = checkins.find((c) => c.personId === null);
  const unknown = faces.filter((f) => f.match === null);
  if (!checkin || !unknown.length) return [];
  const records = [];
  for (const { analysis: face } of unknown) {
    records.push({
      checkinId: checkin.id,
      seenAt: checkin.at,
      source: checkin.source,
      frame: { sha256: frame.sha256, width: frame.width, height: frame.height },
      ...(await storedFace(frame, face, modelId)),
    });
  }
  return store.visitors.record(records, (grouped) => groupVisitorFaces(grouped)).map((r) => r.visitorId);
}
