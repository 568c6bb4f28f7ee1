// End-to-end: the Visitors screen (issue #12) in Debian's Chromium against `facekit serve`. The store is
// filled the way the app fills it — kiosk frames of fixture people nobody enrolled, through the engine
// host with the real models — then the screen must show each visitor with their faces, name one (who
// becomes a person) and delete another. The screenshot goes to test-results/e2e/visitors.png (and to
// docs/screenshots/ with FACEKIT_UPDATE_SCREENSHOTS=1, for the README).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { EngineHost } from '../../host/engine-host.ts';
import { Store } from '../../db/store.ts';
import { startAppServer, type AppServer } from './helpers/app-server.ts';
import { chromiumMissing, launchChromium } from './helpers/browser.ts';
import { photo } from '../helpers/fixtures.ts';

const OUT = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'e2e');
const DOC_SHOTS = path.resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');

const skip = chromiumMissing();
let dir: string;
let server: AppServer;
let browser: Browser;
let page: Page;

/** Feeds the kiosk one appearance per photo (3 frames of it, then an empty frame), as the Kiosk screen would. */
async function kioskVisits(dataDir: string, photos: string[]): Promise<void> {
  process.env.FACEKIT_MODELS_DIR = path.join(dataDir, 'models');
  const host = await EngineHost.start({ shell: 'browser', dbPath: path.join(dataDir, 'facekit.db'), dataDir });
  try {
    // The setting, as a user turns it on in Settings (the kiosk reads it at start).
    await host.call('settings.set', { kioskLogUnknown: true, kioskRequiredFrames: 3 });
    const { sessionId } = (await host.call('kiosk.start', {})) as { sessionId: string };
    const frame = async (file: string) => ({
      bytes: new Uint8Array(await sharp(file).resize(640, 480, { fit: 'contain', background: '#202020' }).jpeg().toBuffer()),
      name: 'camera.jpg',
    });
    const empty = await frame(photo.noFace);
    for (const file of photos) {
      const shot = await frame(file);
      for (let i = 0; i < 3; i++) await host.call('kiosk.frame', { sessionId, image: shot });
      await host.call('kiosk.frame', { sessionId, image: empty });
    }
  } finally {
    await host.close();
  }
}

function visitorFaces(dbPath: string): number {
  const store = Store.open(dbPath);
  try {
    return store.visitors.faceCount();
  } finally {
    store.close();
  }
}

describe('the Visitors screen', { skip }, () => {
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facekit-e2e-visitors-'));
    fs.mkdirSync(OUT, { recursive: true });
    const dataDir = path.join(dir, 'data');
    fs.mkdirSync(dataDir, { recursive: true });
    await kioskVisits(dataDir, [photo.obama, photo.biden, photo.obama3, photo.kit, photo.obama2]);
    server = await startAppServer(dataDir);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on('pageerror', (error) => console.error('page error:', error.message));
    await page.goto(server.url);
    await page.evaluate(() => (location.hash = '#/visitors'));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('each visitor with their faces and sightings', async () => {
    const list = page.getByTestId('visitors-list');
    await list.waitFor();
    const cards = list.getByTestId('visitor');
    assert.equal(await cards.count(), 3);
    const first = cards.first();
    assert.match(await first.innerText(), /Visitor 1/);
    assert.match(await first.getByTestId('visitor-summary').innerText(), /^seen 3 times · first .+, last .+$/);
    assert.equal(await first.getByRole('img').count(), 3);
    assert.equal(await page.getByTestId('visitors-logging-off').count(), 0, 'logging is on');
    await page.waitForFunction(() => [...document.images].every((img) => img.complete && img.naturalWidth > 0));
    const file = path.join(OUT, 'visitors.png');
    await page.screenshot({ path: file });
    if (process.env.FACEKIT_UPDATE_SCREENSHOTS) fs.copyFileSync(file, path.join(DOC_SHOTS, 'visitors.png'));
  });

  test('naming a visitor enrols them as a person; deleting one purges their faces', async () => {
    const obama = page.getByTestId('visitor').filter({ hasText: 'Visitor 1' });
    await obama.getByRole('button', { name: 'Name…' }).click();
    await page.getByTestId('visitor-name').fill('Barack Obama');
    await page.screenshot({ path: path.join(OUT, 'visitors-name.png') });
    await page.getByTestId('visitor-name').press('Enter'); // Enter in the field confirms, like the Enrol button
    await page.getByText('Visitor 1 is now Barack Obama (3 faces enrolled)').waitFor();
    await page.getByTestId('visitor').filter({ hasText: 'Visitor 1' }).waitFor({ state: 'detached' });

    const kit = page.getByTestId('visitor').filter({ hasText: 'Visitor 3' });
    await kit.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Delete Visitor 3' }).click();
    await kit.waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('visitor').count(), 1);
    assert.equal(visitorFaces(server.dbPath), 1, 'only Visitor 2 is left in the store');

    await page.evaluate(() => (location.hash = '#/people'));
    await page.getByTestId('people-list').getByText('Barack Obama').waitFor();
  });
});
