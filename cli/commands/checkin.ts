// Runs in the CLI. `facekit checkin FRAME...`: the door kiosk over frames read from files, in order, with
// the app kiosk's rules and settings (engine/recognition/checkin-frames.ts). SQLite mode writes the
// check-in to the store; registry mode queues it through the replica and sends it at once when the server
// answers. Exit 0 = someone checked in (or queued), 1 = no one, 2 = bad input (nothing written).
import type { Command } from 'commander';
import { decodeImageFile, type DecodedImage } from '../../engine/image.ts';
import { checkInFrames, type CheckinFramesResult } from '../../engine/recognition/checkin-frames.ts';
import type { CheckinWriter, KioskRules } from '../../engine/recognition/kiosk.ts';
import type { Replica } from '../../db/sync/replica.ts';
import type { Store } from '../../db/store.ts';
import { FaceKitError, isFaceKitError } from '../../api/errors.ts';
import { readSettings } from '../../host/handlers/settings.ts';
import { CliContext, formatDistance, kioskName } from '../context.ts';
import { parseIntegerArg, parsePositiveIntegerArg } from '../arguments.ts';
import { EXIT } from '../exit-codes.ts';

interface CheckinOptions {
  kiosk?: string;
  requiredFrames?: number;
  cooldown?: number;
  liveness?: boolean;
}

/** checked-in: on record (the store, or the registry too); queued: in the outbox, the server away; dropped: the registry had them within the cool-down from another kiosk. */
type Delivery = 'checked-in' | 'queued' | 'dropped';

const CHALLENGE_NOTE =
  'the active liveness challenge is not asked: it is a random prompt answered live, which frames read from files cannot do';

/** Every frame decoded before anything is recognised or written: a bad file fails the run with its name. */
async function decodeAll(files: string[]): Promise<DecodedImage[]> {
  const frames: DecodedImage[] = [];
  for (const file of files) frames.push(await decodeImageFile(file));
  return frames;
}

/** Registry mode: send the queue now; a check-in the server dropped (another kiosk's within the cool-down) is gone from the cache. */
async function deliver(replica: Replica | undefined, store: Store, result: CheckinFramesResult): Promise<Delivery[]> {
  if (!replica || !result.checkins.length) return result.checkins.map(() => 'checked-in');
  try {
    await replica.flush();
  } catch (error) {
    if (!isFaceKitError(error, 'DISCONNECTED')) throw error;
    return result.checkins.map(() => 'queued');
  }
  return result.checkins.map((c) =>
    store.listCheckins({ since: c.at, until: new Date(Date.parse(c.at) + 1).toISOString() }).some((row) => row.id === c.id)
      ? 'checked-in'
      : 'dropped',
  );
}

const DELIVERY_WORDS: Record<Delivery, string> = {
  'checked-in': 'checked in',
  queued: 'queued (server unreachable; `facekit sync` sends it)',
  dropped: 'not checked in (already checked in at another kiosk within the cool-down)',
};

function humanLines(result: CheckinFramesResult, delivered: Delivery[], rules: KioskRules): string[] {
  const lines = result.frames.map(
    (f, i) =>
      `frame ${i + 1} (${f.source}): ` +
      (f.faces.length ? f.faces.map((x) => (x.name ? `${x.name} ${formatDistance(x.distance ?? NaN)}` : 'unknown')).join(', ') : 'no face'),
  );
  result.checkins.forEach((c, i) => {
    if (c.personId !== null) lines.push(`${DELIVERY_WORDS[delivered[i] ?? 'checked-in']}: ${c.personName} at ${c.at}`);
  });
  for (const r of result.refused) lines.push(`refused: ${r.personName} (${r.reason}: the passive liveness score was too low)`);
  for (const name of result.coolingDown)
    lines.push(`not checked in: ${name} was checked in within the cool-down (${rules.cooldownSeconds} s)`);
  if (!result.checkins.some((c) => c.personId !== null) && !result.refused.length && !result.coolingDown.length)
    lines.push(`no one checked in: no one was recognised on ${rules.requiredFrames} consecutive frames`);
  return lines;
}

export function registerCheckinCommand(program: Command): void {
  program
    .command('checkin')
    .description(
      'the kiosk over frames read from files, in order: check in whoever is recognised on the required consecutive frames; exit 0 = someone checked in, 1 = no one, 2 = bad input',
    )
    .argument('<frames...>', 'the frames, in order (photos, or stills of a camera)')
    .option(
      '--kiosk <name>',
      "this kiosk's name, recorded with its check-ins in registry mode (default: $FACEKIT_KIOSK, else the host name)",
    )
    .option(
      '--required-frames <n>',
      'consecutive frames a person must be recognised on (default: the kiosk setting, 3)',
      parsePositiveIntegerArg,
    )
    .option('--cooldown <seconds>', 'no second check-in of a person within this (default: the kiosk setting, 300)', parseIntegerArg)
    .option('--liveness', "require the passive liveness check (default: the kiosk setting's, on)")
    .option('--no-liveness', 'do not check passive liveness')
    .addHelpText(
      'after',
      [
        '',
        'Liveness: the passive check (the anti-spoofing model over the required frames) follows the kiosk setting',
        'unless --liveness or --no-liveness says otherwise. The active challenge (blink or turn) is never asked here:',
        'it is a random prompt answered live, which frames read from files cannot do. Whoever runs this command can',
        'write check-ins anyway; the challenge guards the camera at the door, not the command line.',
      ].join('\n'),
    )
    .action(async (files: string[], opts: CheckinOptions, command: Command) => {
      const ctx = CliContext.from(command);
      const store = ctx.store();
      const settings = readSettings(store);
      const rules: KioskRules = {
        cooldownSeconds: opts.cooldown ?? settings.kioskCooldownSeconds,
        requiredFrames: opts.requiredFrames ?? settings.kioskRequiredFrames,
        logUnknown: settings.kioskLogUnknown,
        liveness: { passive: opts.liveness ?? settings.kioskLivenessPassive, threshold: settings.livenessThreshold, challenge: false },
      };
      if (files.length < rules.requiredFrames) {
        throw new FaceKitError(
          'BAD_INPUT',
          `${files.length} frame(s) given, but a check-in needs ${rules.requiredFrames} consecutive frames (--required-frames)`,
        );
      }
      const frames = await decodeAll(files);
      if (settings.kioskLivenessChallenge) ctx.note(`facekit: ${CHALLENGE_NOTE}`);
      const replica = ctx.registry;
      const write: CheckinWriter | undefined = replica && ((c, cooldownSeconds) => replica.checkIn({ ...c, cooldownSeconds }).localId);
      const result = await checkInFrames(ctx.models(), store, frames, { rules, threshold: settings.kioskThreshold, write });
      const delivered = await deliver(replica, store, result);
      const checkins = result.checkins.map(({ frame, ...c }, i) => ({ ...c, frame, status: delivered[i] ?? 'checked-in' }));
      ctx.output(
        {
          kiosk: replica ? replica.kiosk : kioskName(command),
          mode: replica ? 'registry' : 'sqlite',
          rules: { ...rules, threshold: settings.kioskThreshold },
          challenge: { asked: false, setting: settings.kioskLivenessChallenge, why: CHALLENGE_NOTE },
          frames: result.frames,
          checkins,
          refused: result.refused,
          coolingDown: result.coolingDown,
        },
        () => humanLines(result, delivered, rules),
      );
      const someone = checkins.some((c) => c.personId !== null && c.status !== 'dropped');
      process.exitCode = someone ? EXIT.ok : EXIT.noMatch;
    });
}
