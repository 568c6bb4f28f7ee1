// Runs in the renderer. The kiosk loop: one frame at a time from the camera to the engine (never two
// calls in flight, so a slow engine lowers the frame rate instead of queueing frames), the faces of
// the last frame, greetings for new check-ins, the liveness challenge or refusal to show, and the
// loop's own frame rate.
import type { Checkin, KioskFace } from '../../../api/definition.ts';
import { api, errorMessage } from './api.ts';
import { Camera } from './camera.svelte.ts';

/** Frame rate window: recognised frames over the last few seconds. */
const FPS_WINDOW_MS = 3000;
/** How long a "Welcome, NAME" banner stays up. */
const GREETING_MS = 4000;
/** Pause after a failed frame, so a broken engine is not hammered. */
const ERROR_BACKOFF_MS = 1000;
/** How many of today's check-ins the side list keeps. */
const RECENT_LIMIT = 8;

export interface Greeting {
  names: string[];
  key: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Midnight today (local) as an ISO instant: the "today" filter for checkins.list. */
function startOfToday(): string {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

export class KioskLoop {
  readonly camera = new Camera();
  running = $state(false);
  faces = $state<KioskFace[]>([]);
  width = $state(640);
  height = $state(480);
  fps = $state(0);
  frames = $state(0);
  lastGreeting = $state<Greeting | null>(null);
  recent = $state<Checkin[]>([]);
  /** The last frame's error (cleared by the next good frame); the loop keeps going. */
  error = $state('');
  /** Why the kiosk could not start at all (camera or engine); the loop is not running. */
  startError = $state('');
  /** The face whose liveness check to show: a refusal first (it must be read), else a challenge being asked. */
  readonly checking = $derived(this.faces.find((f) => f.refused) ?? this.faces.find((f) => f.challenge) ?? null);

  private sessionId = '';
  private video: HTMLVideoElement | null = null;
  private done: number[] = [];
  private startedAt = 0;
  private greetingTimer: ReturnType<typeof setTimeout> | undefined;
  private fpsTimer: ReturnType<typeof setInterval> | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private greetingKey = 0;
  /** Set by stop(): a start() still awaiting the engine or the camera undoes itself. */
  private stopped = false;

  /** Opens a kiosk session (the engine applies the stored settings), starts the camera and the loop. */
  async start(video: HTMLVideoElement, cameraId: string): Promise<void> {
    if (this.running) return;
    this.stopped = false;
    this.video = video;
    this.startError = '';
    try {
      this.sessionId = (await api.call('kiosk.start', {})).sessionId;
    } catch (error) {
      this.startError = `The kiosk could not start: ${errorMessage(error)}`;
      return;
    }
    if (this.stopped) return void (await this.closeSession());
    const cameraOk = await this.camera.start(video, cameraId);
    if (!cameraOk || this.stopped) {
      if (!cameraOk) this.startError = this.camera.error;
      this.camera.stop();
      await this.closeSession();
      return;
    }
    this.running = true;
    this.startedAt = performance.now();
    this.fpsTimer = setInterval(() => this.updateFps(), 500); // so the rate falls when frames stall
    void this.loadRecent();
    this.loopDone = this.loop();
  }

  /** Stops the loop (waiting for the frame in flight), the camera and the engine session. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    clearInterval(this.fpsTimer);
    clearTimeout(this.greetingTimer);
    await this.loopDone;
    this.camera.stop();
    await this.closeSession();
  }

  private async closeSession(): Promise<void> {
    const sessionId = this.sessionId;
    this.sessionId = '';
    if (sessionId) await api.call('kiosk.stop', { sessionId }).catch(() => {}); // the session ends with the engine anyway
  }

  private async loop(): Promise<void> {
    while (this.running && this.video) {
      const bytes = await this.camera.grab(this.video, 0.8);
      if (!this.running) break;
      if (!bytes) {
        await sleep(100); // the camera has not delivered its first frame yet
        continue;
      }
      try {
        const result = await api.call('kiosk.frame', { sessionId: this.sessionId, image: { bytes, name: 'kiosk-frame.jpg' } });
        if (!this.running) break;
        this.width = result.width;
        this.height = result.height;
        this.faces = result.faces;
        this.frames++;
        this.done.push(performance.now());
        this.updateFps();
        this.error = '';
        if (result.checkins.length) this.onCheckins(result.checkins);
      } catch (error) {
        this.error = errorMessage(error);
        this.faces = [];
        await sleep(ERROR_BACKOFF_MS);
      }
    }
  }

  private updateFps(): void {
    const now = performance.now();
    const inWindow = this.done.findIndex((t) => now - t <= FPS_WINDOW_MS);
    this.done.splice(0, inWindow === -1 ? this.done.length : inWindow); // drop the frames older than the window
    // Over the first seconds divide by the time run so far, not the whole window.
    const span = Math.min(FPS_WINDOW_MS, now - this.startedAt);
    this.fps = span > 250 ? (this.done.length * 1000) / span : 0;
  }

  private onCheckins(checkins: Checkin[]): void {
    this.recent = [...checkins, ...this.recent].slice(0, RECENT_LIMIT);
    const names = checkins.map((c) => c.personName).filter(Boolean); // unknown faces are logged, not greeted
    if (!names.length) return;
    this.lastGreeting = { names, key: ++this.greetingKey };
    clearTimeout(this.greetingTimer);
    this.greetingTimer = setTimeout(() => (this.lastGreeting = null), GREETING_MS);
  }

  private async loadRecent(): Promise<void> {
    try {
      const today = await api.call('checkins.list', { from: startOfToday(), limit: RECENT_LIMIT });
      // Keep any check-in the loop added while the list was loading.
      const seen = new Set(this.recent.map((c) => c.id));
      this.recent = [...this.recent, ...today.filter((c) => !seen.has(c.id))].slice(0, RECENT_LIMIT);
    } catch {
      // The side list is a nicety; the loop's own errors are what the operator needs to see.
    }
  }
}
