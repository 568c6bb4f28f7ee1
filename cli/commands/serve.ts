// Runs in the CLI process: `facekit serve` — browser mode. The same screens and api as the desktop
// app, over HTTP + WebSocket on 127.0.0.1, for machines without Electron, kiosk displays, and the
// end-to-end tests. The URL (with its token) is the first line on stdout.
import path from 'node:path';
import type { Command } from 'commander';
import { EngineHost } from '../../host/engine-host.ts';
import { startServer } from '../../serve/server.ts';
import { RENDERER_DIR } from '../../serve/renderer-files.ts';
import { openBrowser } from '../../serve/open-browser.ts';
import { dataDir } from '../../engine/runtime/paths.ts';
import { FaceKitError } from '../../api/errors.ts';
import { redactUrl } from '../../db/postgres/client.ts';
import { CliContext } from '../context.ts';
import { KEY_ENV } from '../store-key.ts';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new FaceKitError('BAD_INPUT', `--port must be 0–65535 (got "${value}")`);
  return port;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the app in a browser: serves the screens and the engine on 127.0.0.1 (prints the URL with its token)')
    .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', '8750')
    .option('--open', 'open the app: Chromium in app mode when installed, else the default browser')
    .action(async (opts: { port: string; open?: boolean }, command: Command) => {
      const ctx = CliContext.from(command);
      const port = parsePort(opts.port);
      ctx.requireKeyIfEncrypted();
      const keyNote =
        ctx.storeKey === undefined
          ? `no key: set ${KEY_ENV} to encrypt the store`
          : process.env[KEY_ENV]
            ? `key from ${KEY_ENV}`
            : 'key typed in at start';
      // Registry mode (FACEKIT_DB=postgres://…): dbPath is this machine's cache; the faces worker follows the server.
      const host = await EngineHost.start({
        shell: 'browser',
        dbPath: ctx.dbPath,
        dataDir: dataDir(),
        storeKey: ctx.storeKey,
        keyNote,
        registryUrl: ctx.registryUrl,
      });
      const server = await startServer({ host, rendererDir: RENDERER_DIR, port, log: (line) => ctx.note(line) }).catch(async (error) => {
        await host.close();
        throw error;
      });
      process.stdout.write(`${server.url}\n`);
      const info = host.startupInfo;
      ctx.note(`FaceKit in browser mode · backend ${info.backend.description} · store ${info.storePath}`);
      if (ctx.registryUrl !== undefined) ctx.note(`registry ${redactUrl(ctx.registryUrl)} (the store above is this machine's cache)`);
      if (opts.open) ctx.note(`opened in ${openBrowser(server.url, path.join(dataDir(), 'browser-profile'))}`);
      ctx.note('press Ctrl+C to stop');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
      await host.close();
    });
}
