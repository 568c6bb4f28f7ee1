// Runs wherever the store does. Opening a registry with a key: connect, apply pending registry migrations,
// derive the biometrics keys from FACEKIT_KEY and the registry's salt, and check them against the key check
// the first kiosk sealed (a wrong key is STORE_KEY here, before anything is read or written). Shared by the
// kiosk's Replica and `facekit store migrate` (db/sync/store-copy.ts), which has no local cache.
import { FaceKitError, isFaceKitError } from '../../api/errors.ts';
import type { StoreKey } from '../key.ts';
import { connectRegistry, isConnectionError, redactUrl, unreachable, type RegistryClient } from '../postgres/client.ts';
import { migrateRegistry } from '../postgres/migrate.ts';
import { registryMigrations } from '../postgres/migrations/index.ts';
import { ensureKeyCheck, readMeta } from '../postgres/registry.ts';
import { deriveRegistryKeys, makeKeyCheck, verifyKeyCheck, type RegistryKeys } from './crypto.ts';

export interface RegistrySession {
  client: RegistryClient;
  keys: RegistryKeys;
  registryId: string;
}

/** Prepares an open connection: migrations, keys, key check. The caller ends the client on failure. */
export async function prepareRegistry(client: RegistryClient, url: string, key: StoreKey): Promise<RegistrySession> {
  await migrateRegistry(client, registryMigrations);
  const meta = await readMeta(client);
  const salt = meta.get('kdf_salt');
  const registryId = meta.get('registry_id');
  if (!salt || !registryId) throw new FaceKitError('BAD_INPUT', `${redactUrl(url)} is not a FaceKit registry (no registry_meta)`);
  const keys = deriveRegistryKeys(key, salt);
  verifyKeyCheck(keys, meta.get('key_check') ?? (await ensureKeyCheck(client, makeKeyCheck(keys))));
  return { client, keys, registryId };
}

/** Connects and prepares; an unreachable server is DISCONNECTED with the (password-free) URL in the message. */
export async function openRegistry(url: string, key: StoreKey, timeoutMs = 3000): Promise<RegistrySession> {
  const client = await connectRegistry(url, timeoutMs);
  try {
    return await prepareRegistry(client, url, key);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw isConnectionError(error) && !isFaceKitError(error) ? unreachable(url, error) : error;
  }
}
