// Runs in the CLI: `facekit cluster DIR` — every face of every image under DIR (recursively), grouped
// by person without knowing who (engine/recognition/clustering.ts), on every core, with a progress bar
// on stderr. Writes nothing to the store unless --enroll-prefix turns the groups into people.
import type { Command } from 'commander';
import { clusterFolder, enrolGroups, listImages, type FaceRef } from '../../engine/recognition/cluster-folder.ts';
import { defaultWorkerCount } from '../../engine/recognition/enrol-folder.ts';
import { DEFAULT_CLUSTER_CUT } from '../../engine/recognition/clustering.ts';
import { FaceKitError } from '../../api/errors.ts';
import { CliContext } from '../context.ts';
import { numberInRange, parsePositiveIntegerArg } from '../arguments.ts';
import { EXIT } from '../exit-codes.ts';
import { reportItemErrors, type ItemError } from '../batch.ts';
import { cliMessage } from '../hints.ts';

const face = ({ file, index }: FaceRef) => ({ file, index });
const describe = ({ file, index }: FaceRef) => `${file} #${index}`;
const enrolledAs = (person: string | null | undefined) =>
  person === undefined ? '' : person === null ? ', none enrolled' : `, enrolled as "${person}"`;

export function registerClusterCommand(program: Command): void {
  program
    .command('cluster')
    .description('group the faces of every image under a folder by person, without knowing who (nothing is written unless --enroll-prefix)')
    .argument('<dir>', 'the folder, read recursively')
    .option(
      '--cut <distance>',
      `how alike two groups must be to merge (default: ${DEFAULT_CLUSTER_CUT})`,
      numberInRange({ min: 0, max: 2 }),
    )
    .option('--enroll-prefix <name>', 'enrol each group as a new person "NAME 1", "NAME 2", … (the next free numbers)')
    .option('--workers <n>', `worker threads (default: ${defaultWorkerCount()}, one per core)`, parsePositiveIntegerArg)
    .addHelpText(
      'after',
      [
        '',
        'Faces are grouped by average-linkage clustering of their embeddings: two groups merge while the mean',
        `distance between their faces is at most the cut (${DEFAULT_CLUSTER_CUT}, chosen on LFW: below the verification`,
        'threshold, so one look-alike does not chain two people together). A face like no other is "alone".',
        '--json: {"groups":[{"id":1,"faces":[{"file":"a/1.jpg","index":0}]}],"alone":[{"file":…,"index":…}]}, with',
        "file relative to DIR and index the face's number in its photo (0 = leftmost); groups largest first.",
        '',
        'Exit codes: 0 every image read; 4 some images could not be read (named on stderr) or, with',
        '--enroll-prefix, some faces were not enrolled (too small or blurred) — the rest is grouped;',
        '2 DIR missing or without images, or bad usage; 3 environment (models, store key) or an internal error; 130 Ctrl-C.',
      ].join('\n'),
    )
    .action(async (dir: string, opts: { cut?: number; enrollPrefix?: string; workers?: number }, command: Command) => {
      const ctx = CliContext.from(command);
      listImages(dir); // a missing or empty DIR is a usage error before any thread starts
      const prefix = opts.enrollPrefix?.trim();
      if (opts.enrollPrefix !== undefined && !prefix)
        throw new FaceKitError('BAD_INPUT', '--enroll-prefix needs a name, e.g. --enroll-prefix Visitor');
      const bar = ctx.progressWhenKnown('finding faces');
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      const report = await clusterFolder(dir, {
        cut: opts.cut,
        workers: opts.workers,
        signal: abort.signal,
        onProgress: (done, total, file) => bar.update(done, total, file),
      });
      bar.finish();
      const enrolment = prefix ? enrolGroups(ctx.store(), report, prefix) : undefined;
      const errors: ItemError[] = [...report.errors, ...(enrolment?.errors ?? [])].map(({ source, code, message, details }) => ({
        source,
        code,
        message: cliMessage({ code, message, details }, 'folder'),
      }));
      reportItemErrors(errors);
      const groups = report.groups.map((faces, i) => ({ id: i + 1, faces: faces.map(face) }));
      ctx.output({ groups, alone: report.alone.map(face), ...(enrolment ? { people: enrolment.people } : {}) }, () => [
        `${report.images} images, ${report.faces} faces: ${groups.length} group(s) of 2 or more, ${report.alone.length} alone` +
          (report.errors.length ? `, ${report.errors.length} image(s) unreadable` : ''),
        ...report.groups.map(
          (faces, i) => `group ${i + 1} (${faces.length} faces${enrolledAs(enrolment?.people[i])}): ${faces.map(describe).join(', ')}`,
        ),
        ...(report.alone.length ? [`alone: ${report.alone.map(describe).join(', ')}`] : []),
      ]);
      process.exitCode = errors.length ? EXIT.skipped : EXIT.ok;
    });
}
