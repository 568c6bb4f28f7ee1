// Runs in an engine worker thread. The check-in log: filtered lists and CSV export, of visits, of the
// spoof attempts the kiosk refused (its liveness checks), or of both in time order.
import type { Store } from '../../db/store.ts';
import type { Checkin, ParsedArgs } from '../../api/definition.ts';
import { SPOOF_REASON_TEXT } from '../../api/liveness.ts';
import type { HandlerContext, Handlers } from './context.ts';
import { toCheckin, toSpoofAttempt } from './convert.ts';
import { csvDocument } from '../../api/csv.ts';

type Filter = ParsedArgs<'checkins.list'>;

/** A plain date (from a date picker) means the whole day: `from` at 00:00, `to` up to the next midnight (UTC). */
function dayBound(date: string, end: boolean): string {
  if (date.includes('T')) return date;
  const t = Date.parse(`${date}T00:00:00.000Z`) + (end ? 86_400_000 : 0);
  return new Date(t).toISOString();
}

function query(store: Store, filter: Filter): Checkin[] {
  let personId: number | undefined;
  if (filter.person) {
    const person = store.getPerson(filter.person);
    if (!person) return [];
    personId = person.id;
  }
  const bounds = {
    personId,
    since: filter.from && dayBound(filter.from, false),
    until: filter.to && dayBound(filter.to, true),
    limit: filter.limit ?? 10_000,
  };
  const visits = filter.kind === 'spoof' ? [] : store.listCheckins(bounds).map(toCheckin);
  const attempts = filter.kind === 'checkins' ? [] : store.listSpoofAttempts(bounds).map(toSpoofAttempt);
  if (!attempts.length) return visits;
  if (!visits.length) return attempts;
  // Both: newest first, as each list is, cut to the limit again.
  return [...visits, ...attempts].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, bounds.limit);
}

export function checkinsCsv(rows: Checkin[], kind: Filter['kind'] = 'checkins'): string {
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

export function checkinHandlers(ctx: HandlerContext): Handlers<'checkins.list' | 'checkins.csv' | 'checkins.spoofThumbnail'> {
  return {
    'checkins.list': (filter) => query(ctx.store, filter),
    'checkins.csv'(filter) {
      const stamp = new Date().toISOString().slice(0, 10);
      const name = filter.kind === 'spoof' ? 'spoof-attempts' : 'checkins';
      return { fileName: `facekit-${name}-${stamp}.csv`, csv: checkinsCsv(query(ctx.store, filter), filter.kind) };
    },
    'checkins.spoofThumbnail': ({ id }) => ctx.store.spoofAttemptThumbnail(id),
  };
}
