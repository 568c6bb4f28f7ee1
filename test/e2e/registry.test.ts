// End-to-end: the app in registry mode (#13) in Debian's Chromium, against `facekit serve` with
// FACEKIT_DB=postgres://… (a real PostgreSQL, test/helpers/postgres.ts). Another kiosk enrols a person
// through the CLI; Settings → Store shows the registry online; with the server stopped the Kiosk screen
// keeps checking the person in and shows "offline — check-ins queued (1)"; started again, the badge goes
// and the check-in is on the server. Screenshots go to test-results/e2e/ (and to docs/screenshots/ with
// FACEKIT_UPDATE_SCREENSHOTS=1, for the README).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startAppServer, type AppServer } from './helpers/app-server.ts';
import { chromiumMissing, launchChromium } from './helpers/browser.ts';
import { writeFakeCamera } from './helpers/fake-camera.ts';
import { runCli } from '../helpers/cli.ts';
import { FACES, photo } from '../helpers/fixtures.ts';
import { TestRegistry } from '../helpers/registry.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../helpers/postgres.ts';

const OUT = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'e2e');
const DOC_SHOTS = path.resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const KNN = path.join(FACES, 'knn_examples');
/** Frontal, turned to his right, turned to his left, looping: answers the 'turn-right' challenge. */
const OBAMA_PHOTOS = [
  path.join(KNN, 'train', 'obama', 'obama.jpg'),
  path.join(KNN, 'train', 'obama', 'obama2.jpg'),
  path.join(KNN, 'test', 'obama1.jpg'),
];
const KEY = 'e2e registry key: correct horse battery staple';
const KIOSK = 'front-door';

const skip = chromiumMissing() ?? postgresSkipReason();
let dir: string;
let registry: TestPostgres;
let server: AppServer;
let browser: Browser;
let page: Page;

async function shot(name: string, target: Page | ReturnType<Page['getByTestId']> = page): Promise<void> {
  await page.waitForTimeout(300); // let images decode
  const file = path.join(OUT, `${name}.png`);
  await target.screenshot({ path: file });
  if (process.env.FACEKIT_UPDATE_SCREENSHOTS) fs.copyFileSync(file, path.join(DOC_SHOTS, `${name}.png`));
}

const serverCheckins = (): Promise<{ person_name: string; kiosk: string }[]> =>
  new TestRegistry(KEY, () => registry).sql('SELECT person_name, kiosk FROM checkins ORDER BY id');

describe('the app in registry mode', { skip }, () => {
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facekit-e2e-registry-'));
    fs.mkdirSync(OUT, { recursive: true });
    if (process.env.FACEKIT_UPDATE_SCREENSHOTS) fs.mkdirSync(DOC_SHOTS, { recursive: true });
    registry = await startPostgres();
    // Another door enrols him: this kiosk gets him from the server.
    const enrolled = await runCli(['enroll', 'Barack Obama', photo.obama, '--json'], {
      FACEKIT_DB: registry.url,
      FACEKIT_DATA_DIR: path.join(dir, 'door-2'),
      FACEKIT_KEY: KEY,
      FACEKIT_KIOSK: 'door-2',
    });
    assert.equal(enrolled.code, 0, enrolled.stderr);
    const camera = await writeFakeCamera(path.join(dir, 'camera.y4m'), { photos: OBAMA_PHOTOS, secondsPerPhoto: 1, fps: 10 });
    server = await startAppServer(path.join(dir, 'data'), {
      FACEKIT_DB: registry.url,
      FACEKIT_KEY: KEY,
      FACEKIT_KIOSK: KIOSK,
      FACEKIT_REGISTRY_RETRY_MS: '500',
      FACEKIT_KIOSK_CHALLENGE: 'turn-right',
    });
    browser = await launchChromium(camera);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.on('pageerror', (error) => console.error('page error:', error.message));
    await page.goto(server.url);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    registry?.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('Settings → Store: registry, the server, online, nothing queued, this kiosk', async () => {
    await page.evaluate(() => (location.hash = '#/settings'));
    const panel = page.getByTestId('settings-store');
    await panel.getByText('online', { exact: true }).waitFor({ timeout: 30_000 });
    const text = await panel.innerText();
    assert.match(text, /registry/);
    assert.ok(text.includes(`127.0.0.1:${registry.port}`), text);
    assert.match(text, new RegExp(KIOSK));
    assert.match(await page.getByTestId('store-queued').innerText(), /^0/);
    await shot('settings-store-registry', panel);
  });

  test('server stopped: the kiosk still checks in, with the offline badge and the queue; back up, the check-in reaches the server', async () => {
    registry.stop();
    await page.evaluate(() => (location.hash = '#/kiosk'));
    const badge = page.getByTestId('kiosk-offline');
    await badge.waitFor({ timeout: 30_000 });
    await page
      .getByTestId('kiosk-greeting')
      .getByText(/Barack Obama/)
      .waitFor({ timeout: 60_000 });
    await badge.getByText('offline — check-ins queued (1)').waitFor({ timeout: 10_000 });
    await shot('kiosk-offline');

    registry.start();
    await badge.waitFor({ state: 'detached', timeout: 20_000 });
    assert.deepEqual(await serverCheckins(), [{ person_name: 'Barack Obama', kiosk: KIOSK }]);
  });
});
