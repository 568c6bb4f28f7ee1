// Runs in the CLI. `facekit store migrate --from URL|PATH --to URL|PATH`: copies a whole store from a SQLite
// file into a PostgreSQL registry or from a registry into a new SQLite file, verified
// (db/sync/store-copy.ts). FACEKIT_KEY opens the registry's biometrics and an encrypted SQLite side.
import type { Command } from 'commander';
import { FaceKitError } from '../../api/errors.ts';
import { isRegistryUrl, redactUrl } from '../../db/postgres/client.ts';
import { copyRegistryToSqlite, copySqliteToRegistry, type CopyStage, type MigrateReport } from '../../db/sync/store-copy.ts';
import type { StoreKey } from '../../db/key.ts';
import { KEY_ENV } from '../store-key.ts';
import { CliContext } from '../context.ts';

interface MigrateOptions {
  from: string;
  to: string;
  plain?: boolean;
}

const STAGE_LABEL: Record<CopyStage, string> = { read: 'reading', write: 'copying', verify: 'verifying' };

function requireKey(ctx: CliContext, url: string): StoreKey {
  const key = ctx.storeKey;
  if (key === undefined)
    throw new FaceKitError('STORE_KEY', `the registry (${redactUrl(url)}) needs ${KEY_ENV}: its faces are sealed with it`);
  return key;
}

/** One bar per stage on stderr (none in --json mode or when stderr is not a terminal). */
function stageProgress(ctx: CliContext): { update(stage: CopyStage, done: number, total: number): void; finish(): void } {
  let current: { stage: CopyStage; bar: ReturnType<CliContext['progressWhenKnown']> } | undefined;
  return {
    update(stage, done, total) {
      if (current?.stage !== stage) {
        current?.bar.finish();
        current = { stage, bar: ctx.progressWhenKnown(STAGE_LABEL[stage]) };
      }
      current.bar.update(done, total);
    },
    finish: () => current?.bar.finish(),
  };
}

function describe(r: MigrateReport): string[] {
  const line = (what: string, c: { source: number; added: number; existing: number }): string =>
    `${what}: ${c.source} in the source, ${c.added} added` + (c.existing ? `, ${c.existing} already there` : '');
  return [
    `copied ${r.from} → ${r.to} (verified)`,
    line('people', r.people),
    line('faces', r.faces),
    line('check-ins', r.checkins),
    ...(r.notCopied.settings ? [`not copied: ${r.notCopied.settings} setting(s) (the registry keeps none)`] : []),
  ];
}

export function registerStoreCommands(program: Command): void {
  const store = program.command('store').description('the store as a whole: move it between SQLite and a registry');
  store
    .command('migrate')
    .description(
      'copy a whole store SQLite → PostgreSQL registry, or registry → a new SQLite file; verified, exit non-zero on any mismatch',
    )
    .requiredOption('--from <url|path>', 'the source: a SQLite store file, or postgres://…')
    .requiredOption('--to <url|path>', 'the target: postgres://… (merged into, idempotent), or a new SQLite file')
    .option('--plain', `registry → SQLite: write the new store unencrypted (default: encrypted with ${KEY_ENV})`)
    .action(async (opts: MigrateOptions, command: Command) => {
      const ctx = CliContext.from(command);
      const fromPg = isRegistryUrl(opts.from);
      const toPg = isRegistryUrl(opts.to);
      if (fromPg === toPg)
        throw new FaceKitError(
          'BAD_INPUT',
          'store migrate copies between a SQLite file and a registry: exactly one of --from and --to is postgres://…',
        );
      const bars = stageProgress(ctx);
      const onProgress = (stage: CopyStage, done: number, total: number): void => bars.update(stage, done, total);
      let report: MigrateReport;
      try {
        report = toPg
          ? await copySqliteToRegistry({ source: opts.from, url: opts.to, key: requireKey(ctx, opts.to), onProgress })
          : await copyRegistryToSqlite({
              url: opts.from,
              key: requireKey(ctx, opts.from),
              target: opts.to,
              targetKey: opts.plain ? undefined : ctx.storeKey,
              onProgress,
            });
      } finally {
        bars.finish();
      }
      ctx.output(report, () => describe(report));
    });
}
