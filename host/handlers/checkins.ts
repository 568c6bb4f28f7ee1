// Runs in an engine worker thread. The check-in log: filtered lists and CSV export, of visits, of the
// spoof attempts the kiosk refused (its liveness checks), or of both in time order. The log itself is
// engine/recognition/checkin-log.ts, shared with `facekit checkins list|export`.
import { checkinsCsv, queryCheckins } from '../../engine/recognition/checkin-log.ts';
import type { HandlerContext, Handlers } from './context.ts';

export function checkinHandlers(ctx: HandlerContext): Handlers<'checkins.list' | 'checkins.csv' | 'checkins.spoofThumbnail'> {
  return {
    'checkins.list': (filter) => queryCheckins(ctx.store, filter),
    'checkins.csv'(filter) {
      const stamp = new Date().toISOString().slice(0, 10);
      const name = filter.kind === 'spoof' ? 'spoof-attempts' : 'checkins';
      return { fileName: `facekit-${name}-${stamp}.csv`, csv: checkinsCsv(queryCheckins(ctx.store, filter), filter.kind) };
    },
    'checkins.spoofThumbnail': ({ id }) => ctx.store.spoofAttemptThumbnail(id),
  };
}
