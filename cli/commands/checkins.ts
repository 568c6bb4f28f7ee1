// Runs in the CLI. `facekit checkins list|export`: the check-in log, filtered by person and dates, as lines,
// JSON or the app's CSV (engine/recognition/checkin-log.ts). In registry mode the cache answers, after the
// usual pull: every kiosk's check-ins. The CSV is written whole or not at all (a work file renamed into place).
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Checkin } from '../../api/definition.ts';
import { FaceKitError } from '../../api/errors.ts';
import { writeThroughWorkFile } from '../../db/store-file.ts';
import { checkinBounds, checkinsCsv, queryCheckins, DEFAULT_LIMIT, type CheckinFilter } from '../../engine/recognition/checkin-log.ts';
import { CliContext, formatDistance } from '../context.ts';
import { checkWritablePath, parsePositiveIntegerArg } from '../arguments.ts';

interface FilterOptions {
  person?: string;
  from?: string;
  to?: string;
  kind?: CheckinFilter['kind'];
  limit?: number;
}

const KINDS: readonly CheckinFilter['kind'][] = ['checkins', 'spoof', 'all'];

function parseKind(value: string): CheckinFilter['kind'] {
  const kind = KINDS.find((k) => k === value);
  if (!kind) throw new InvalidArgumentError(`"${value}" must be checkins, spoof or all.`);
  return kind;
}

function withFilters(command: Command): Command {
  return command
    .option('--person <name>', "only this person's")
    .option('--from <date>', 'from this day (YYYY-MM-DD, UTC) or time (ISO)')
    .option('--to <date>', 'up to the end of this day (YYYY-MM-DD, UTC) or to this time (ISO)')
    .option('--kind <kind>', 'checkins (visits, the default), spoof (attempts the kiosk refused) or all', parseKind)
    .option('--limit <n>', `at most this many, the newest (default ${DEFAULT_LIMIT})`, parsePositiveIntegerArg);
}

/** The filtered log: bad dates are BAD_INPUT (exit 2), an unknown person NOT_FOUND (exit 1). */
function readLog(ctx: CliContext, opts: FilterOptions): { filter: CheckinFilter; rows: Checkin[] } {
  const filter: CheckinFilter = { kind: opts.kind ?? 'checkins', person: opts.person, from: opts.from, to: opts.to, limit: opts.limit };
  checkinBounds(filter, { from: '--from', to: '--to' }); // the dates' reasons, in the options' names, before anything is read
  const store = ctx.store();
  if (filter.person !== undefined) store.requirePerson(filter.person);
  return { filter, rows: queryCheckins(store, filter) };
}

function line(r: Checkin): string {
  const distance = r.distance === null ? '—' : formatDistance(r.distance);
  const refused = r.spoof ? `  REFUSED (${r.spoof.reason})` : '';
  return `${r.at}  ${r.personName || 'Unknown'}  ${distance}  ${r.source}${refused}`;
}

export function registerCheckinsCommands(program: Command): void {
  const checkins = program.command('checkins').description('the check-in log: list, or export as CSV');

  withFilters(checkins.command('list').description('the check-ins, newest first')).action((opts: FilterOptions, command: Command) => {
    const ctx = CliContext.from(command);
    const { rows } = readLog(ctx, opts);
    ctx.output({ count: rows.length, checkins: rows }, () => (rows.length ? rows.map(line) : ['no check-ins']));
  });

  withFilters(checkins.command('export').description('write the check-ins as CSV (oldest first, as the app exports)'))
    .argument('<file>', 'the CSV file to write')
    .action((file: string, opts: FilterOptions, command: Command) => {
      const ctx = CliContext.from(command);
      checkWritablePath(file, 'CSV');
      const { filter, rows } = readLog(ctx, opts);
      const csv = checkinsCsv(rows, filter.kind);
      try {
        writeThroughWorkFile(path.resolve(file), 'partial', (work) => fs.writeFileSync(work, csv));
      } catch (error) {
        throw new FaceKitError('BAD_INPUT', `cannot write the CSV (${(error as NodeJS.ErrnoException).code ?? String(error)})`, file);
      }
      ctx.output({ file: path.resolve(file), count: rows.length }, () => `wrote ${rows.length} row(s) to ${file}`);
    });
}
