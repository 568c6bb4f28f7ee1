// Runs in the CLI. facekit faces outdated|upgrade: the enrolled faces made by an older face pipeline
// (engine/recognition/face-upgrade.ts), listed, and re-embedded from their photos where they still are.
import type { Command } from 'commander';
import { FaceKitError } from '../../api/errors.ts';
import { redactUrl } from '../../db/postgres/client.ts';
import { CliContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { currentPipelineId } from '../../engine/faces/pipeline-id.ts';
import { facesToUpgrade, reenrolmentProblem, UPGRADE_PROBLEMS, upgradeFaces } from '../../engine/recognition/face-upgrade.ts';

export function registerFacesCommands(program: Command): void {
  const faces = program
    .command('faces')
    .description('enrolled faces made by an older face pipeline: list them, re-embed them from their photos');

  faces
    .command('outdated')
    .description('faces whose embedding an older face pipeline made: recognition does not use them until upgraded or re-enrolled')
    .option('--person <name>', 'only this person’s faces')
    .action((opts: { person?: string }, command: Command) => {
      const ctx = CliContext.from(command);
      const pipelineId = currentPipelineId();
      const list = ctx.store().outdatedFaces(pipelineId, opts.person);
      const faceList = list.map((f) => ({
        faceId: f.id,
        person: f.personName,
        photoPath: f.photoPath,
        modelId: f.modelId,
        // Set: only re-enrolment helps (or, for a photo moved or changed, the photo put back, then `faces upgrade`).
        problem: reenrolmentProblem(f, pipelineId),
      }));
      ctx.output({ pipelineId, faces: faceList }, () =>
        faceList.length
          ? [
              `${faceList.length} face(s) made by an older face pipeline (the current one is ${pipelineId}):`,
              ...faceList.map(
                (f) =>
                  `${f.person}\tface ${f.faceId}\t${f.photoPath ?? '(no photo)'}\t${f.problem ? `needs re-enrolment: ${UPGRADE_PROBLEMS[f.problem]}` : 'run `facekit faces upgrade`'}`,
              ),
            ]
          : `every face is of the current face pipeline (${pipelineId})`,
      );
    });

  faces
    .command('upgrade')
    .description('re-embed the faces of an older face pipeline from their photos; list those that need re-enrolment')
    .addHelpText(
      'after',
      [
        '',
        'Each face is re-embedded from its original photo when the photo is still at the path it was enrolled',
        'from, with the same bytes (its SHA-256), and the face is found there again; one transaction per face,',
        'so Ctrl-C or a crash leaves every face either upgraded or as it was. Faces enrolled from the app',
        '(no photo is kept) or whose photo moved or changed need re-enrolment: `facekit enroll NAME PHOTO`.',
        '',
        'Exit codes: 0 every outdated face upgraded (or none); 4 some faces need re-enrolment — listed;',
        '3 environment (models, store key) or an internal error; 130 Ctrl-C.',
      ].join('\n'),
    )
    .action(async (_opts: unknown, command: Command) => {
      const ctx = CliContext.from(command);
      if (ctx.registryUrl !== undefined)
        // Re-embedding here would change this kiosk's cache only; the next pull would bring the old faces back.
        throw new FaceKitError(
          'CONFLICT',
          `faces upgrade is not available in registry mode yet: it would re-embed this machine's copy only, not the faces on ${redactUrl(ctx.registryUrl)}; enrol the people listed by \`facekit faces outdated\` again instead (\`facekit enroll NAME PHOTO\`)`,
        );
      const store = ctx.store();
      const total = facesToUpgrade(store).length;
      const bar = ctx.progress('upgrading faces', total);
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort()); // what was re-embedded stays; run again to finish
      const report = await upgradeFaces(ctx.models(), store, {
        signal: abort.signal,
        onProgress: (done, _total, photo) => bar.update(done, photo ?? ''),
      });
      bar.finish();
      const people = new Set(report.needReenrolment.map((f) => f.person));
      ctx.output(report, () => [
        report.checked === 0
          ? `every face is of the current face pipeline (${report.pipelineId})`
          : `${report.checked} outdated face(s): ${report.upgraded.length} re-embedded with ${report.pipelineId}, ` +
            `${report.needReenrolment.length} need re-enrolment` +
            (report.changedMeanwhile ? `, ${report.changedMeanwhile} changed by another process meanwhile` : ''),
        ...report.needReenrolment.map((f) => `  ${f.person}\tface ${f.faceId}\t${f.photoPath ?? '(no photo)'}\t${f.message}`),
        ...(people.size ? [`enrol ${[...people].map((p) => `"${p}"`).join(', ')} again: \`facekit enroll NAME PHOTO\``] : []),
      ]);
      if (report.needReenrolment.length) process.exitCode = EXIT.skipped;
    });
}
