// The desktop app's store key decisions (electron/main/store-key.ts), without Electron: the keychain is
// Electron's safeStorage there; here a stand-in with the same contract that really encrypts (AES-GCM
// under a key only it holds), so a key file readable without it would show. The key then opens a real
// encrypted store.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KEY_FILE, loadAppStoreKey, type Keychain } from '../../../electron/main/store-key.ts';
import { Store } from '../../../db/store.ts';
import { storeFileState } from '../../../db/store-file.ts';
import { isFaceKitError } from '../../../api/errors.ts';
import { tempDir } from '../../helpers/fixtures.ts';

class TestKeychain implements Keychain {
  readonly #secret = randomBytes(32);
  available = true;
  linuxBackend: string | undefined = 'gnome_libsecret';
  rotate = false;
  encrypted = 0;
  isAvailable = async () => this.available;
  backend = () => this.linuxBackend;
  async encrypt(text: string): Promise<Buffer> {
    this.encrypted++;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#secret, iv);
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }
  async decrypt(data: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }> {
    const decipher = createDecipheriv('aes-256-gcm', this.#secret, data.subarray(0, 12));
    decipher.setAuthTag(data.subarray(12, 28));
    const result = Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
    return { result, shouldReEncrypt: this.rotate };
  }
}

let root: string;
let n = 0;
before(() => {
  root = tempDir('facekit-appkey-');
});
after(() => fs.rmSync(root, { recursive: true, force: true }));
const userDataDir = () => path.join(root, `u${n++}`);
const env = {}; // no FACEKIT_KEY

describe('desktop app store key', () => {
  test('made once, kept only encrypted by the keychain, and it opens the encrypted store', async () => {
    const userData = userDataDir();
    const dbPath = path.join(userData, 'facekit.db');
    const keychain = new TestKeychain();
    const first = await loadAppStoreKey({ userData, dbPath, keychain, env });
    const { key } = first;
    assert.ok(key, 'a key was made');
    assert.match(key, /^x'[0-9a-f]{64}'$/);
    assert.match(first.note, /OS keychain/);
    const file = path.join(userData, KEY_FILE);
    const onDisk = fs.readFileSync(file);
    assert.equal(onDisk.includes(key.slice(2, 66)), false, 'the key is not on disk in the clear');
    if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600);

    const store = Store.open(dbPath, { key: first.key });
    store.createPerson('Ann');
    store.close();
    assert.equal(storeFileState(dbPath), 'other');

    const second = await loadAppStoreKey({ userData, dbPath, keychain, env });
    assert.equal(second.key, first.key, 'the same key on the next start');
    assert.equal(keychain.encrypted, 1, 'not re-made');
    const reopened = Store.open(dbPath, { key: second.key });
    assert.deepEqual(
      reopened.listPeople().map((p) => p.name),
      ['Ann'],
    );
    reopened.close();

    keychain.rotate = true; // the keychain asks for re-encryption: same key, new file
    const third = await loadAppStoreKey({ userData, dbPath, keychain, env });
    assert.equal(third.key, first.key);
    assert.notDeepEqual(fs.readFileSync(file), onDisk);
  });

  test('no usable keychain: a new store stays unencrypted and the note says why', async () => {
    for (const setup of [(k: TestKeychain) => (k.available = false), (k: TestKeychain) => (k.linuxBackend = 'basic_text')]) {
      const userData = userDataDir();
      const keychain = new TestKeychain();
      setup(keychain);
      const result = await loadAppStoreKey({ userData, dbPath: path.join(userData, 'facekit.db'), keychain, env });
      assert.equal(result.key, undefined);
      assert.match(result.note, /not encrypted: the OS keychain is not available .*set FACEKIT_KEY/);
      assert.equal(fs.existsSync(path.join(userData, KEY_FILE)), false);
    }
  });

  test('an encrypted store whose key cannot be had is an error, never a new key', async () => {
    const userData = userDataDir();
    const dbPath = path.join(userData, 'facekit.db');
    const keychain = new TestKeychain();
    const { key } = await loadAppStoreKey({ userData, dbPath, keychain, env });
    Store.open(dbPath, { key }).close();

    keychain.available = false; // e.g. the keyring is locked or gone
    await assert.rejects(
      loadAppStoreKey({ userData, dbPath, keychain, env }),
      (e: unknown) => isFaceKitError(e, 'STORE_KEY') && /OS keychain, which is not available/.test(e.message),
    );
    keychain.available = true;
    fs.rmSync(path.join(userData, KEY_FILE));
    await assert.rejects(
      loadAppStoreKey({ userData, dbPath, keychain, env }),
      (e: unknown) => isFaceKitError(e, 'STORE_KEY') && /key file store-key.bin is missing/.test(e.message),
    );
    assert.equal(fs.existsSync(path.join(userData, KEY_FILE)), false);
    fs.writeFileSync(path.join(userData, KEY_FILE), randomBytes(60)); // not made by this keychain
    await assert.rejects(
      loadAppStoreKey({ userData, dbPath, keychain, env }),
      (e: unknown) => isFaceKitError(e, 'STORE_KEY') && /cannot decrypt the store key/.test(e.message),
    );
  });

  test('FACEKIT_KEY wins, so the CLI and the app can share one store', async () => {
    const userData = userDataDir();
    const keychain = new TestKeychain();
    const result = await loadAppStoreKey({
      userData,
      dbPath: path.join(userData, 'facekit.db'),
      keychain,
      env: { FACEKIT_KEY: 'shared secret' },
    });
    assert.deepEqual(result, { key: 'shared secret', note: 'encrypted with the key in FACEKIT_KEY' });
    assert.equal(keychain.encrypted, 0);
  });
});
