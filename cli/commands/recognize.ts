// Runs in the CLI. enroll, verify, identify, compare: the face commands over the engine and the store.
import type { Command } from 'commander';
import { decodeImageFile } from '../../engine/image.ts';
import { enrol, type ChosenHow, type FaceSelector } from '../../engine/recognition/enrolment.ts';
import { verify, identify } from '../../engine/recognition/recognition.ts';
import { compareImages } from '../../engine/recognition/compare.ts';
import { enrolThroughRegistry } from '../../engine/sync/registry-enrolment.ts';
import { resolveThreshold, THRESHOLD_SETTING } from '../../engine/recognition/thresholds.ts';
import type { LivenessScore } from '../../engine/faces/liveness.ts';
import { CliContext, formatDistance } from '../context.ts';
import { parseIntegerArg, parseNumberArg, parsePositiveIntegerArg } from '../arguments.ts';
import { EXIT } from '../exit-codes.ts';
import { forEachPhoto, worstExit } from '../batch.ts';

const CHOSEN_WORDS: Record<ChosenHow, string> = {
  only: 'the only face',
  dominant: 'the dominant face',
  matched: "the one like the person's enrolled faces",
  given: 'as chosen',
};

/** --face: a face index, or "largest". */
/** Why a result is less reliable (a turned or blurred face), after the result on the same line. */
function notesSuffix(notes: string[]): string {
  return notes.length ? `; note: ${notes.join('; ')}` : '';
}

/** With --liveness: the face's passive liveness, after the result on the same line. */
function livenessSuffix(liveness: LivenessScore | undefined): string {
  return liveness ? `; liveness ${liveness.live ? 'LIVE' : 'REFUSED'} ${liveness.score.toFixed(3)} (threshold ${liveness.threshold})` : '';
}

function parseFaceArg(value: string): FaceSelector {
  return value.trim().toLowerCase() === 'largest' ? 'largest' : parseIntegerArg(value);
}

export function registerRecognitionCommands(program: Command): void {
  program
    .command('enroll')
    .description('add photos of a person (created if new); one face per photo')
    .argument('<name>', "the person's name")
    .argument('<images...>', 'photos of that person')
    .option(
      '--face <largest|N>',
      "which face to enrol: N (0 = leftmost) or largest; default: the only face, or the dominant one (clearly the largest, not cut by the edge), which must look like the person's enrolled faces",
      parseFaceArg,
    )
    .option('--allow-low-quality', 'enrol faces that are small or blurred')
    .action(async (name: string, images: string[], opts: { face?: FaceSelector; allowLowQuality?: boolean }, command: Command) => {
      const ctx = CliContext.from(command);
      const store = ctx.store();
      const { results, errors } = await forEachPhoto(ctx, 'enrolling', images, async (file) =>
        ctx.registry
          ? enrolThroughRegistry(ctx.models(), ctx.registry, name, await decodeImageFile(file), {
              face: opts.face,
              allowLowQuality: opts.allowLowQuality,
            })
          : enrol(ctx.models(), store, name, await decodeImageFile(file), { face: opts.face, allowLowQuality: opts.allowLowQuality }),
      );
      const person = store.getPerson(name);
      ctx.output({ person: person?.name ?? name, faceCount: person?.faceCount ?? 0, results, errors }, () => [
        ...results.map(
          (r) =>
            `${r.status === 'added' ? 'enrolled' : 'already enrolled'}: ${r.source} (face ${r.face.index}${r.faceCount > 1 ? ` of ${r.faceCount}, ${CHOSEN_WORDS[r.chosen]}` : ''})` +
            (r.warnings.length ? `; note: ${r.warnings.join('; ')}` : ''),
        ),
        `${person?.name ?? name}: ${person?.faceCount ?? 0} face(s) enrolled`,
      ]);
      process.exitCode = worstExit(errors, EXIT.ok);
    });

  program
    .command('verify')
    .description('is the person in this photo? (1:1) exit 0 = match, 1 = no match')
    .argument('<name>', 'the person claimed')
    .argument('<image>', 'the photo to check')
    .option('--face <index>', 'compare only this face (0 = leftmost); default: the closest face', parseIntegerArg)
    .option('--threshold <distance>', 'match when the distance is at most this', parseNumberArg)
    .option('--liveness', "also report the compared face's passive liveness (reported only: the exit code stays the match's)")
    .action(async (name: string, file: string, opts: { face?: number; threshold?: number; liveness?: boolean }, command: Command) => {
      const ctx = CliContext.from(command);
      const image = await decodeImageFile(file);
      const result = await verify(ctx.models(), ctx.store(), name, image, {
        faceIndex: opts.face,
        threshold: opts.threshold,
        liveness: opts.liveness,
      });
      ctx.output(
        result,
        () =>
          `${result.match ? 'MATCH' : 'NO MATCH'}: ${result.person}, distance ${formatDistance(result.distance)} (threshold ${result.threshold}), face ${result.face.index} of ${result.faceCount}` +
          livenessSuffix(result.liveness) +
          notesSuffix(result.face.notes),
      );
      process.exitCode = result.match ? EXIT.ok : EXIT.noMatch;
    });

  program
    .command('identify')
    .description('who is in these photos? (1:n) exit 0 = every photo has a known face')
    .argument('<images...>', 'photos')
    .option('--top <k>', 'candidates listed per face', parsePositiveIntegerArg, 3)
    .option('--threshold <distance>', 'a face is known when its nearest person is at most this far', parseNumberArg)
    .option('--liveness', "also report each face's passive liveness (reported only: the exit code stays the identification's)")
    .action(async (images: string[], opts: { top: number; threshold?: number; liveness?: boolean }, command: Command) => {
      const ctx = CliContext.from(command);
      const store = ctx.store();
      const { results, errors } = await forEachPhoto(ctx, 'identifying', images, async (file) =>
        identify(ctx.models(), store, await decodeImageFile(file), { topK: opts.top, threshold: opts.threshold, liveness: opts.liveness }),
      );
      ctx.output({ results, errors }, () => [
        ...results.flatMap((r) => [
          `${r.source}: ${r.faces.length} face(s)`,
          ...r.faces.map((f) => {
            const others = f.candidates.map((c) => `${c.name} ${formatDistance(c.distance)}`).join(', ');
            return `  face ${f.face.index}: ${f.match ? `${f.match.name} (${formatDistance(f.match.distance)})` : 'unknown'}${others ? `  [${others}]` : ''}${livenessSuffix(f.liveness)}${notesSuffix(f.face.notes)}`;
          }),
        ]),
      ]);
      const allKnown = results.every((r) => r.faces.some((f) => f.match));
      process.exitCode = worstExit(errors, allKnown && results.length ? EXIT.ok : EXIT.noMatch);
    });

  program
    .command('compare')
    .description('are the faces in two photos the same person? exit 0 = same, 1 = different')
    .argument('<imageA>')
    .argument('<imageB>')
    .option('--threshold <distance>', 'same person when the distance is at most this', parseNumberArg)
    .action(async (fileA: string, fileB: string, opts: { threshold?: number }, command: Command) => {
      const ctx = CliContext.from(command);
      const threshold = resolveThreshold(opts.threshold, ctx.storedSetting(THRESHOLD_SETTING));
      const result = await compareImages(ctx.models(), await decodeImageFile(fileA), await decodeImageFile(fileB), threshold);
      ctx.output(
        result,
        () =>
          `${result.same ? 'SAME PERSON' : 'DIFFERENT PEOPLE'}: distance ${formatDistance(result.distance)} (threshold ${result.threshold}); faces ${result.faceA.index} and ${result.faceB.index}` +
          notesSuffix([...result.faceA.notes, ...result.faceB.notes]),
      );
      process.exitCode = result.same ? EXIT.ok : EXIT.noMatch;
    });
}
