// Runs in the renderer. App-wide state: the current screen (from the address hash), engine info,
// settings, and messages shown to the user.
import type { AppInfo, Settings } from '../../../api/definition.ts';
import { api, errorMessage } from './api.ts';

export type ScreenName =
  'people' | 'person' | 'enrol' | 'verify' | 'identify' | 'kiosk' | 'checkins' | 'visitors' | 'stylize' | 'gallery' | 'settings';
export interface Route {
  screen: ScreenName;
  param: string;
}

function parseHash(hash: string): Route {
  const [screen = 'people', ...rest] = hash.replace(/^#\/?/, '').split('/');
  const known: ScreenName[] = [
    'people',
    'person',
    'enrol',
    'verify',
    'identify',
    'kiosk',
    'checkins',
    'visitors',
    'stylize',
    'gallery',
    'settings',
  ];
  return { screen: known.includes(screen as ScreenName) ? (screen as ScreenName) : 'people', param: decodeURIComponent(rest.join('/')) };
}

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

class AppState {
  route = $state<Route>(parseHash(location.hash));
  info = $state<AppInfo | null>(null);
  settings = $state<Settings | null>(null);
  notices = $state<Notice[]>([]);
  connectionError = $state('');
  private nextNotice = 1;

  constructor() {
    window.addEventListener('hashchange', () => {
      this.route = parseHash(location.hash);
      // An error belongs to the screen it happened on; it should not follow the user around.
      this.notices = this.notices.filter((n) => n.kind !== 'error');
    });
  }

  go(screen: ScreenName, param = ''): void {
    location.hash = `#/${screen}${param ? `/${encodeURIComponent(param)}` : ''}`;
  }

  async load(): Promise<void> {
    try {
      [this.info, this.settings] = await Promise.all([api.call('app.info', {}), api.call('settings.get', {})]);
      this.connectionError = '';
    } catch (error) {
      this.connectionError = errorMessage(error);
    }
  }

  async saveSettings(patch: Partial<Settings>): Promise<void> {
    this.settings = await api.call('settings.set', patch);
  }

  notify(kind: Notice['kind'], text: string): void {
    const notice = { id: this.nextNotice++, kind, text };
    this.notices = [...this.notices, notice];
    if (kind === 'info') setTimeout(() => this.dismiss(notice.id), 5000);
  }

  /** Shows the error of a failed call as a readable message. */
  fail(error: unknown): void {
    this.notify('error', errorMessage(error));
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }
}

export const app = new AppState();
