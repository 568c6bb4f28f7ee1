// Runs in an engine worker thread. App info and settings (kept in the store's settings table, so the
// CLI and every window see the same values).
import os from 'node:os';
import type { Store } from '../../db/store.ts';
import { initBackend, describeBackend } from '../../engine/runtime/backend.ts';
import {
  DEFAULT_THRESHOLD,
  KIOSK_DEFAULT_THRESHOLD,
  KIOSK_THRESHOLD_SETTING,
  THRESHOLD_SETTING,
  resolveKioskThreshold,
  resolveThreshold,
} from '../../engine/recognition/thresholds.ts';
import { findModelFile, vgg19MissingMessage, VGG19_ID } from '../../engine/models/index.ts';
import { LIVENESS_DEFAULT_THRESHOLD, LIVENESS_THRESHOLD_SETTING } from '../../engine/faces/liveness.ts';
import type { Settings } from '../../api/definition.ts';
import type { HandlerContext, Handlers } from './context.ts';

// An import, not a runtime read: the Electron build bundles this file away from package.json.
import packageJson from '../../package.json' with { type: 'json' };

const { version } = packageJson;

const KEYS = {
  kioskCooldownSeconds: 'kiosk.cooldownSeconds',
  kioskRequiredFrames: 'kiosk.requiredFrames',
  kioskLogUnknown: 'kiosk.logUnknown',
  kioskLivenessPassive: 'kiosk.livenessPassive',
  kioskLivenessChallenge: 'kiosk.livenessChallenge',
  livenessThreshold: LIVENESS_THRESHOLD_SETTING,
  cameraId: 'ui.cameraId',
  styleThreads: 'style.threads',
} as const;

/** Five minutes: long enough that someone lingering at the door is not checked in twice. */
export const DEFAULTS: Settings = {
  threshold: DEFAULT_THRESHOLD,
  kioskThreshold: KIOSK_DEFAULT_THRESHOLD,
  kioskCooldownSeconds: 300,
  kioskRequiredFrames: 3,
  kioskLogUnknown: false,
  kioskLivenessPassive: true,
  kioskLivenessChallenge: true,
  livenessThreshold: LIVENESS_DEFAULT_THRESHOLD,
  cameraId: '',
  styleThreads: 0,
};

export function readSettings(store: Store): Settings {
  const get = <K extends keyof typeof KEYS>(key: K): Settings[K] => store.getSetting<Settings[K]>(KEYS[key]) ?? DEFAULTS[key];
  return {
    threshold: resolveThreshold(undefined, store.getSetting<number>(THRESHOLD_SETTING)),
    kioskThreshold: resolveKioskThreshold(store.getSetting<number>(KIOSK_THRESHOLD_SETTING)),
    kioskCooldownSeconds: get('kioskCooldownSeconds'),
    kioskRequiredFrames: get('kioskRequiredFrames'),
    kioskLogUnknown: get('kioskLogUnknown'),
    kioskLivenessPassive: get('kioskLivenessPassive'),
    kioskLivenessChallenge: get('kioskLivenessChallenge'),
    livenessThreshold: get('livenessThreshold'),
    cameraId: get('cameraId'),
    styleThreads: get('styleThreads'),
  };
}

/** The app cannot download weights itself: the screens point at the facekit command that can. */
const VGG19_INSTALL_NOTE = `Install them from a terminal with: facekit models fetch ${VGG19_ID} (or, offline: facekit models import ${VGG19_ID} FILE)`;

export function settingsHandlers(ctx: HandlerContext): Handlers<'app.info' | 'settings.get' | 'settings.set'> {
  return {
    async 'app.info'() {
      const backend = await initBackend();
      const vgg = findModelFile(VGG19_ID);
      return {
        version,
        shell: ctx.shell,
        backend: { name: backend.name, description: describeBackend(backend) },
        storePath: ctx.store.file,
        dataDir: ctx.dataDir,
        style: vgg
          ? { available: true, message: `VGG-19 weights: ${vgg}` }
          : { available: false, message: `${vgg19MissingMessage()}\n${VGG19_INSTALL_NOTE}` },
        encryption: { encrypted: ctx.store.encrypted, message: ctx.keyNote },
        cores: os.availableParallelism(),
      };
    },
    'settings.get': () => readSettings(ctx.store),
    'settings.set'(patch) {
      if (patch.threshold !== undefined) ctx.store.setSetting(THRESHOLD_SETTING, patch.threshold);
      if (patch.kioskThreshold !== undefined) ctx.store.setSetting(KIOSK_THRESHOLD_SETTING, patch.kioskThreshold);
      for (const key of Object.keys(KEYS) as (keyof typeof KEYS)[]) {
        if (patch[key] !== undefined) ctx.store.setSetting(KEYS[key], patch[key]);
      }
      return readSettings(ctx.store);
    },
  };
}
