// Runs in the engine (the host's check-ins handler, and `facekit checkins list|export`). The check-in log:
// visits, the spoof attempts the kiosk refused, or both, filtered by person and dates; and its CSV.
import type { CheckinRow, SpoofAttemptRow, Store } from '../../db/store.ts';
import type { Checkin, ParsedArgs } from '../../api/definition.ts';
import { SPOOF_REASON_TEXT } from '../../api/liveness.ts';
import { csvDocument } from '../../api/csv.ts';
import { FaceKitError } from '../../api/errors.ts';

export type CheckinFilter = ParsedArgs<'checkins.list'>;

/** The app's list (and export) stops here unless asked for more. */
export const DEFAULT_LIMIT = 10_000;

export function toCheckin(row: CheckinRow): Checkin {
  return {
    id: row.id,
    personId: row.personId,
    personName: row.personName,
    distance: row.distance,
    at: row.at,
    source: row.source,
    kind: 'checkin',
  };
}

export function toSpoofAttempt(row: SpoofAttemptRow): Checkin {
  const { reason, challenge, liveness } = row;
  return { ...toCheckin(row), kind: 'spoof', spoof: { reason, challenge, liveness } };
}

/**
 * A date bound as an ISO time. A plain date (from a date picker, or typed) means the whole day: `from` at
 * 00:00, `to` up to the next midnight (UTC). A date that is no day of the calendar is BAD_INPUT, with why.
 */
export function dayBound(date: string, end: boolean, what: string): string {
  const plain = /^\d{4}-\d{2}-\d{2}$/.test(date);
  const t = Date.parse(plain ? `${date}T00:00:00.000Z` : date);
  // Date.parse rolls 2026-02-30 over to March; a real day reads back as itself.
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}/.test(date) || new Date(t).toISOString().slice(0, 10) !== date.slice(0, 10)) {
    throw new FaceKitError('BAD_INPUT', `${what}: "${date}" is not a date (expected YYYY-MM-DD, or an ISO time like 2026-11-29T08:00:00Z)`);
  }
  return new Date(t + (plain && end ? 86_400_000 : 0)).toISOString();
}

/** The store's bounds for a filter; BAD_INPUT for a bad date, or `from` after `to`. */
export function checkinBounds(
  filter: Pick<CheckinFilter, 'from' | 'to'>,
  names = { from: 'from', to: 'to' },
): { since?: string; until?: string } {
  const since = filter.from === undefined ? undefined : dayBound(filter.from, false, names.from);
  const until = filter.to === undefined ? undefined : dayBound(filter.to, true, names.to);
  if (since !== undefined && until !== undefined && since >= until) {
    throw new FaceKitError('BAD_INPUT', `${names.from} (${filter.from}) is not before ${names.to} (${filter.to})`);
  }
  return { ...(since && { since }), ...(until && { until }) };
}

/** The log, newest first; a person that does not exist has none. */
export function queryCheckins(store: Store, filter: CheckinFilter): Checkin[] {
  let personId: number | undefined;
  if (filter.person) {
    const person = store.getPerson(filter.person);
    if (!person) return [];
    personId = person.id;
  }
  const bounds = { personId, ...checkinBounds(filter), limit: filter.limit ?? DEFAULT_LIMIT };
  const visits = filter.kind === 'spoof' ? [] : store.listCheckins(bounds).map(toCheckin);
  const attempts = filter.kind === 'checkins' ? [] : store.listSpoofAttempts(bounds).map(toSpoofAttempt);
  if (!attempts.length) return visits;
  if (!visits.length) return attempts;
  // Both: newest first, as each list is, cut to the limit again.
  return [...visits, ...attempts].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, bounds.limit);
}

/** The log as CSV, oldest first (the spreadsheet's reading order). */
export function checkinsCsv(rows: Checkin[], kind: CheckinFilter['kind'] = 'checkins'): string {
  const cells = (r: Checkin) => [r.at, r.personName || 'Unknown', r.distance === null ? null : r.distance.toFixed(4), r.source];
  // Visits keep the columns they always had; a list with spoof attempts says which rows are attempts and why.
  if (kind === 'checkins') return csvDocument(['time', 'person', 'distance', 'source'], [...rows].reverse().map(cells));
  return csvDocument(
    ['time', 'person', 'distance', 'source', 'kind', 'refused because'],
    [...rows]
      .reverse()
      .map((r) => [...cells(r), r.kind === 'spoof' ? 'spoof attempt' : 'check-in', r.spoof ? SPOOF_REASON_TEXT[r.spoof.reason] : null]),
  );
}
