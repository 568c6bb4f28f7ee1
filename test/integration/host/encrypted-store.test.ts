// The engine host with a store key, as the desktop app starts it: the workers get the key in memory,
// encrypt the existing plaintext store, and report it in app.info; the key is in no file and no
// environment variable.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EngineHost } from '../../../host/engine-host.ts';
import type { AppInfo } from '../../../api/definition.ts';
import { Store } from '../../../db/store.ts';
import { newRawKey } from '../../../db/key.ts';
import { storeFileState } from '../../../db/store-file.ts';
import { tempDir } from '../../helpers/fixtures.ts';

let dir: string;
before(() => {
  dir = tempDir();
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Every file under `folder`, recursively. */
const filesUnder = (folder: string): string[] =>
  fs
    .readdirSync(folder, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(folder, e.name)) : [path.join(folder, e.name)]));

test('the workers open (and first encrypt) the store with the key handed to the host', async () => {
  const dbPath = path.join(dir, 'store.db');
  const plain = Store.open(dbPath);
  plain.createPerson('Ann Before');
  plain.close();
  const key = newRawKey();

  const host = await EngineHost.start({
    shell: 'electron',
    dbPath,
    dataDir: dir,
    storeKey: key,
    keyNote: 'encrypted; the key is kept by the OS keychain',
  });
  try {
    const info = (await host.call('app.info', {})) as AppInfo;
    assert.deepEqual(info.encryption, { encrypted: true, message: 'encrypted; the key is kept by the OS keychain' });
    await host.call('people.rename', { name: 'Ann Before', newName: 'Ann After' });
    assert.deepEqual(
      ((await host.call('people.list', {})) as { name: string }[]).map((p) => p.name),
      ['Ann After'],
    );
  } finally {
    await host.close();
  }
  assert.equal(storeFileState(dbPath), 'other');
  const hex = key.slice(2, 66);
  for (const file of filesUnder(dir)) assert.equal(fs.readFileSync(file).includes(hex), false, `${file} holds the key`);
  assert.equal(
    Object.values(process.env).some((v) => v?.includes(hex)),
    false,
    'the key is in no environment variable',
  );

  const unencrypted = await EngineHost.start({ shell: 'browser', dbPath: path.join(dir, 'plain.db'), dataDir: dir });
  try {
    assert.deepEqual(((await unencrypted.call('app.info', {})) as AppInfo).encryption, { encrypted: false, message: 'no key configured' });
  } finally {
    await unencrypted.close();
  }
});
