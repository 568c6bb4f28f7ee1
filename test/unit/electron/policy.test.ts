// The decisions behind the Electron security checklist and the renderer file serving both shells
// share. (The Electron binary cannot run here; these functions import nothing from Electron.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { APP_URL, isAllowedExternalUrl, isAppUrl, isHashChange, isVideoOnly, payloadSize } from '../../../electron/main/policy.ts';
import { contentSecurityPolicy, resolveRendererFile } from '../../../serve/renderer-files.ts';
import { tempDir } from '../../helpers/fixtures.ts';

test('only app://facekit is our origin', () => {
  assert.ok(isAppUrl(APP_URL));
  assert.ok(isAppUrl('app://facekit/assets/x.js'));
  for (const url of ['app://evil/index.html', 'https://facekit/', 'file:///index.html', 'app://facekit.evil/', '', null, 'not a url']) {
    assert.equal(isAppUrl(url), false, String(url));
  }
});

test('navigation: hash routes stay, everything else is refused', () => {
  assert.ok(isHashChange(`${APP_URL}#/people`, `${APP_URL}#/kiosk`));
  assert.equal(isHashChange(`${APP_URL}#/people`, 'https://github.com/#x'), false);
  assert.equal(isHashChange(`${APP_URL}#/people`, 'app://facekit/other.html'), false);
});

test('external links: https on the allow-list only', () => {
  assert.ok(isAllowedExternalUrl('https://github.com/vladmandic/face-api'));
  for (const url of [
    'http://github.com/',
    'https://github.com.evil.com/',
    'https://user:pw@github.com/',
    'https://github.com:8443/',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'https://example.com/',
  ]) {
    assert.equal(isAllowedExternalUrl(url), false, url);
  }
});

test('camera requests: video alone', () => {
  assert.ok(isVideoOnly(['video']));
  assert.equal(isVideoOnly(['video', 'audio']), false);
  assert.equal(isVideoOnly(['audio']), false);
  assert.equal(isVideoOnly([]), false);
  assert.equal(isVideoOnly(undefined), false);
});

test('IPC payload size counts bytes and strings, and stops early on huge ones', () => {
  const small = payloadSize({ method: 'x', image: { bytes: new Uint8Array(1000) } }, 10_000);
  assert.ok(small >= 1000 && small < 1200);
  assert.ok(payloadSize({ a: new Uint8Array(5000), b: new Uint8Array(5000) }, 4000) > 4000);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.ok(payloadSize(cyclic, 100) < 100);
});

test('renderer files: inside the folder only', () => {
  const root = tempDir();
  fs.mkdirSync(path.join(root, 'assets'));
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
  fs.writeFileSync(path.join(root, 'assets', 'a.js'), '');
  assert.equal(resolveRendererFile(root, '/'), path.join(root, 'index.html'));
  assert.equal(resolveRendererFile(root, '/assets/a.js'), path.join(root, 'assets', 'a.js'));
  for (const probe of [
    '/../secret',
    '/assets/../../secret',
    '/%2e%2e/secret',
    '/..%5csecret',
    '/assets',
    '/missing.js',
    '/%E0%A4%A',
    '/index.html%00.js',
  ]) {
    assert.equal(resolveRendererFile(root, probe), null, probe);
  }
  fs.rmSync(root, { recursive: true, force: true });
});

test('the CSP allows no inline script and no foreign connections', () => {
  const electron = contentSecurityPolicy();
  assert.match(electron, /script-src 'self'(;|$)/);
  assert.match(electron, /connect-src 'self';/);
  assert.match(contentSecurityPolicy(['ws://127.0.0.1:*']), /connect-src 'self' ws:\/\/127\.0\.0\.1:\*;/);
});
