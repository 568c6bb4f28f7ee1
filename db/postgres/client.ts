// Runs wherever the store does. Connections to the registry server (PostgreSQL, `pg`): what a registry
// URL is, how to connect with a bounded wait, and one error for "the server cannot be reached".
import pg from 'pg';
import { FaceKitError } from '../../api/errors.ts';

export type RegistryClient = pg.Client;

/** `postgres://…` or `postgresql://…` selects registry mode (FACEKIT_DB / --db); anything else is a SQLite path. */
export function isRegistryUrl(value: string | undefined): value is string {
  return value !== undefined && /^postgres(?:ql)?:\/\//i.test(value);
}

/** The URL without its password, for messages and reports. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** Errors of the socket or server (refused, reset, timeout, server shutting down), as opposed to SQL errors. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof FaceKitError) return error.code === 'DISCONNECTED';
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/.test(code)) return true;
  // 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 08xxx connection exceptions
  if (/^(57P0[123]|08\d{3})$/.test(code)) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(message);
}

export function unreachable(url: string, error: unknown, what = 'the registry server'): FaceKitError {
  const reason = error instanceof Error ? error.message : String(error);
  return new FaceKitError('DISCONNECTED', `${what} is unreachable (${redactUrl(url)}: ${reason})`, { cause: error });
}

/** Opens one connection; a server that does not answer within `timeoutMs` is unreachable. */
export async function connectRegistry(url: string, timeoutMs = 3000): Promise<RegistryClient> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, application_name: 'facekit' });
  // A dropped connection emits 'error' on the client; without a listener it would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw unreachable(url, error);
  }
  return client;
}
