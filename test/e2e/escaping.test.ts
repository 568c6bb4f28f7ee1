// End-to-end (issue #5): a name that is HTML with an event handler, enrolled through the real CLI,
// must show on the People screen and the person's page as text — no element made from it, no
// handler run. (The CSP alone would stop the handler; the element must not exist either.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startAppServer, type AppServer } from './helpers/app-server.ts';
import { chromiumMissing, launchChromium } from './helpers/browser.ts';
import { runCli } from '../helpers/cli.ts';
import { photo } from '../helpers/fixtures.ts';

const NAME = '<img src=x onerror="window.__pwned=1"> 🦄 Mallory';

const skip = chromiumMissing();
let dir: string;
let server: AppServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** Nothing the name could have turned into: the element, any inline handler, the handler's effect. */
async function assertNoInjection(where: string): Promise<void> {
  await page.waitForTimeout(500); // an injected <img src=x> would have failed to load and fired by now
  const found = await page.evaluate(() => ({
    imgX: document.querySelectorAll('img[src="x"]').length,
    handlers: document.querySelectorAll('[onerror]').length,
    pwned: (window as unknown as { __pwned?: unknown }).__pwned,
  }));
  assert.deepEqual(found, { imgX: 0, handlers: 0, pwned: undefined }, where);
  assert.deepEqual(pageErrors, [], where);
}

describe('names are shown as text, never as markup', { skip }, () => {
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facekit-e2e-escaping-'));
    const dataDir = path.join(dir, 'data');
    const enrolled = await runCli(['--db', path.join(dataDir, 'facekit.db'), '--json', 'enroll', NAME, photo.obama]);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    assert.equal(enrolled.json.person, NAME);
    server = await startAppServer(dataDir);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(server.url);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('People lists the name as text', async () => {
    await page.evaluate(() => (location.hash = '#/people'));
    const name = page.getByTestId('people-list').getByText(NAME, { exact: true });
    await name.waitFor({ timeout: 30_000 });
    assert.equal(await name.textContent(), NAME);
    await assertNoInjection('People');
  });

  test("the person's page (name in the address, the heading, the thumbnail's alt text) shows it as text", async () => {
    await page.getByTestId('people-list').getByText(NAME, { exact: true }).click();
    await page.waitForURL(/#\/person\//);
    const heading = page.getByRole('heading', { name: NAME, exact: true });
    await heading.waitFor({ timeout: 30_000 });
    assert.equal(await heading.textContent(), NAME);
    await assertNoInjection('person page');
  });
});
