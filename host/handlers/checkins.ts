// Runs in an engine worker thread. The check-in log: filtered lists and CSV export.
import type { Store } from '../../db/store.ts';
import type { Checkin, ParsedArgs } from '../../api/definition.ts';
import type { HandlerContext, Handlers } from './context.ts';
import { toCheckin } from './convert.ts';
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
  return store
    .listCheckins({
      personId,
      since: filter.from && dayBound(filter.from, false),
      until: filter.to && dayBound(filter.to, true),
      limit: filter.limit ?? 10_000,
    })
    .map(toCheckin);
}

export function checkinsCsv(rows: Checkin[]): string {
  return csvDocument(
    ['time', 'person', 'distance', 'source'],
    [...rows].reverse().map((r) => [r.at, r.personName || 'Unknown', r.distance === null ? null : r.distance.toFixed(4), r.source]),
  );
}

export function checkinHandlers(ctx: HandlerContext): Handlers<'checkins.list' | 'checkins.csv'> {
  return {
    'checkins.list': (filter) => query(ctx.store, filter),
    'checkins.csv'(filter) {
      const stamp = new Date().toISOString().slice(0, 10);
      return { fileName: `facekit-checkins-${stamp}.csv`, csv: checkinsCsv(query(ctx.store, filter)) };
    },
  };
}
