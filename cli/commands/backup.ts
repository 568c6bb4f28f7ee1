// Runs in the CLI. facekit backup|restore (the store file itself, as encrypted as the store) and
// facekit export|import (the portable JSON Lines format of docs/export-format.md, never encrypted).
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { FaceKitError } from '../../api/errors.ts';
import { currentPipelineId } from '../../engine/faces/pipeline-id.ts';
import { inspectStoreFile, restoreStoreFile } from '../../db/backup.ts';
import { readJsonLines } from '../../db/portable.ts';
import { sideFiles, storeFileState, writeThroughWorkFile } from '../../db/store-file.ts';
import { CliContext } from '../context.ts';
// An import, not a runtime read, like the engine's app.info.
import packageJson from '../../package.json' with { type: 'json' };

/** The output path, checked: not the store itself, and not an existing file unless --force. */
function outputPath(ctx: CliContext, file: string, force: boolean | undefined): string {
  const target = path.resolve(file);
  const store = path.resolve(ctx.dbPath);
  if (target === store || sideFiles(store).includes(target))
    throw new FaceKitError('BAD_INPUT', 'that is the store itself; choose another file', target);
  if (fs.existsSync(target) && !force) throw new FaceKitError('BAD_INPUT', 'the file exists; add --force to replace it', target);
  return target;
}

/** The store must already exist: backing up or exporting an empty new store is a mistake, not a file. */
function existingStore(ctx: CliContext) {
  if (storeFileState(ctx.dbPath) === 'missing') throw new FaceKitError('NOT_FOUND', 'there is no store here yet', ctx.dbPath);
  return ctx.store();
}

/** Buffered line writer over a file descriptor (an export can be hundreds of MB). */
function lineWriter(fd: number): { write(value: object): void; flush(): void } {
  let chunks: string[] = [];
  let size = 0;
  const flush = () => {
    if (chunks.length) fs.writeSync(fd, chunks.join(''));
    chunks = [];
    size = 0;
  };
  return {
    write(value) {
      const line = `${JSON.stringify(value)}\n`;
      chunks.push(line);
      size += line.length;
      if (size > 1 << 20) flush();
    },
    flush,
  };
}

export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description('copy the store to FILE while it is in use (as encrypted as the store, same key)')
    .argument('<file>')
    .option('--force', 'replace FILE if it exists')
    .action((file: string, opts: { force?: boolean }, command: Command) => {
      const ctx = CliContext.from(command);
      const target = outputPath(ctx, file, opts.force);
      const store = existingStore(ctx);
      const info = writeThroughWorkFile(target, 'partial', (work) => {
        store.backupTo(work);
        fs.chmodSync(work, 0o600);
        return inspectStoreFile(work, ctx.storeKey); // a bad copy never replaces a good file
      });
      const bytes = fs.statSync(target).size;
      ctx.output(
        { backup: target, bytes, ...info },
        () =>
          `backed up ${info.people} people and ${info.faces} face(s) to ${target} (${(bytes / 1024).toFixed(0)} kB, ${info.encrypted ? 'encrypted with the store key' : 'NOT encrypted'})`,
      );
    });

  program
    .command('restore')
    .description('replace the store with a backup made by facekit backup (close the app and facekit serve first)')
    .argument('<file>')
    .action(async (file: string, _opts: unknown, command: Command) => {
      const ctx = CliContext.from(command);
      const source = path.resolve(file);
      if (source === path.resolve(ctx.dbPath)) throw new FaceKitError('BAD_INPUT', 'that is the store itself', source);
      await CliContext.prepareKey(command, [source]); // the backup may be encrypted where the store is not (yet)
      const info = restoreStoreFile(source, ctx.dbPath, ctx.storeKey);
      const store = ctx.store(); // migrates an older schema; encrypts a plaintext backup when a key is set
      ctx.output(
        { restored: source, store: store.file, ...info, encrypted: store.encrypted, schemaVersion: store.schemaVersion() },
        () => `restored ${info.people} people and ${info.faces} face(s) from ${source} into ${store.file}`,
      );
    });

  program
    .command('export')
    .description('write people, faces, check-ins and settings to FILE in the portable format (NOT encrypted)')
    .argument('<file>')
    .option('--force', 'replace FILE if it exists')
    .action((file: string, opts: { force?: boolean }, command: Command) => {
      const ctx = CliContext.from(command);
      const target = outputPath(ctx, file, opts.force);
      const store = existingStore(ctx);
      const counts = writeThroughWorkFile(target, 'partial', (work) => {
        const fd = fs.openSync(work, 'w', 0o600);
        try {
          const out = lineWriter(fd);
          const written = store.exportTo((record) => out.write(record), `facekit ${packageJson.version}`);
          out.flush();
          return written;
        } finally {
          fs.closeSync(fd);
        }
      });
      ctx.output({ export: target, counts }, () => [
        `exported ${counts.person} people, ${counts.face} face(s), ${counts.checkin} check-in(s) and ${counts.setting} setting(s) to ${target}`,
        'this file is not encrypted and holds biometric data: keep it safe, delete it when done',
      ]);
    });

  program
    .command('import')
    .description('merge a file written by facekit export into the store (all of it, or nothing)')
    .argument('<file>')
    .action((file: string, _opts: unknown, command: Command) => {
      const ctx = CliContext.from(command);
      const source = path.resolve(file);
      let currentModelId: string | undefined;
      try {
        currentModelId = currentPipelineId();
      } catch {
        currentModelId = undefined; // face model not installed: nothing is searchable yet anyway
      }
      const report = ctx.store().importFrom(readJsonLines(source), { file: source, currentModelId });
      ctx.output({ import: source, ...report }, () => [
        `imported from ${source}: ${report.people.added} new people (${report.people.merged} merged by name), ` +
          `${report.faces.added} face(s) (${report.faces.skipped} already present), ${report.checkins.added} check-in(s) (${report.checkins.skipped} already present), ` +
          `${report.settings.added} setting(s) (${report.settings.kept} kept as they were)`,
        ...report.otherModels.map(
          (m) =>
            `  note: ${m.count} face(s) from another face model (${m.modelId}) are stored but not searchable by this one; re-enrol those people`,
        ),
      ]);
    });
}
