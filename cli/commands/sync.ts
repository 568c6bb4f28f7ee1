// Runs in the CLI. Registry mode (FACEKIT_DB=postgres://…): `facekit sync` sends the queued check-ins and
// pulls the registry's changes into the local cache; `registryReport` is what `facekit doctor` says about it.
import type { Command } from 'commander';
import { FaceKitError, isFaceKitError } from '../../api/errors.ts';
import { CliContext } from '../context.ts';

export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description('registry mode: send the queued check-ins to the server and pull its changes into the local cache')
    .action(async (_opts: unknown, command: Command) => {
      const ctx = CliContext.from(command);
      const replica = ctx.registry;
      if (!replica)
        throw new FaceKitError('BAD_INPUT', 'facekit sync needs a registry: set FACEKIT_DB (or --db) to postgres://user@host:port/db');
      const { flushed, pulled } = await replica.sync();
      const status = replica.status();
      ctx.output({ registry: status.url, flushed, pulled, queued: status.queued, cursor: status.cursor }, () => [
        `sent ${flushed.sent} check-in(s)` +
          (flushed.already ? `, ${flushed.already} already on the server` : '') +
          (flushed.cooldown ? `, ${flushed.cooldown} dropped (checked in at another kiosk within the cool-down)` : '') +
          (flushed.removed ? `, ${flushed.removed} dropped (the person was removed from the registry)` : '') +
          `; ${status.queued} still queued`,
        `pulled ${pulled.people} people, ${pulled.faces} face(s), ${pulled.checkins} check-in(s) (cursor ${pulled.cursor})` +
          (pulled.purged.people ? `; ${pulled.purged.people} removed person(s) purged from this cache` : ''),
      ]);
    });
}

export interface RegistryReport {
  url: string;
  reachable: boolean;
  error: string | null;
  queued: number;
  cursor: number;
  lastSyncAt: string | null;
}

/** Registry mode: where the cache stands and whether the server answers (a wrong key is reported, not thrown). */
export async function registryReport(ctx: CliContext): Promise<RegistryReport | undefined> {
  const replica = ctx.registry;
  if (!replica) return undefined;
  let error: string | null = null;
  try {
    await replica.connect();
  } catch (e) {
    if (!isFaceKitError(e)) throw e;
    error = `${e.code}: ${e.message}`;
  }
  const s = replica.status();
  return { url: s.url, reachable: error === null, error, queued: s.queued, cursor: s.cursor, lastSyncAt: s.lastSyncAt };
}

export function describeRegistry(r: RegistryReport): string[] {
  return [
    `registry: ${r.url} — ${r.reachable ? 'reachable' : `NOT reachable (${r.error ?? ''})`}`,
    `          ${r.queued} check-in(s) queued, cursor ${r.cursor}, last sync ${r.lastSyncAt ?? 'never'}`,
  ];
}
