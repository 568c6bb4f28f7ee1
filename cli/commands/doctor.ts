// Runs in the CLI. facekit doctor: what FaceKit runs on here, and what is missing.
import fs from 'node:fs';
import type { Command } from 'commander';
import { initBackend, describeBackend } from '../../engine/runtime/backend.ts';
import { faceModelDir, faceModelFiles } from '../../engine/faces/models.ts';
import { currentPipelineId } from '../../engine/faces/pipeline-id.ts';
import { listModels } from '../../engine/models/index.ts';
import { CliContext } from '../context.ts';
import { isEncryptedFile, KEY_ENV } from '../store-key.ts';
import { describeRegistry, registryReport } from './sync.ts';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('report the inference backend, versions, model files and the store')
    .action(async (_opts: unknown, command: Command) => {
      const ctx = CliContext.from(command);
      const backend = await initBackend();
      const modelId = currentPipelineId();
      const models = faceModelFiles().map((f) => ({ role: f.role, file: f.weights, found: f.found }));
      const storeExists = fs.existsSync(ctx.dbPath);
      // An encrypted store without a key is reported, not an error: doctor is where one finds out.
      const locked = storeExists && ctx.storeKey === undefined && isEncryptedFile(ctx.dbPath);
      const store = storeExists && !locked ? ctx.store() : undefined;
      const embeddings = store?.embeddingModels() ?? [];
      const stale = embeddings.filter((e) => e.modelId !== modelId);
      const vgg19 = listModels().find((m) => m.id === 'vgg19');
      const registry = await registryReport(ctx);
      const report = {
        backend,
        styleModel: vgg19,
        faceModels: { dir: faceModelDir(), modelId, files: models },
        store: {
          path: ctx.dbPath,
          exists: storeExists,
          encrypted: locked || (store?.encrypted ?? false),
          schemaVersion: store?.schemaVersion() ?? null,
          people: store?.listPeople().length ?? 0,
          embeddings,
          kind: registry ? 'registry (local cache)' : 'sqlite',
        },
        ...(registry ? { registry } : {}),
      };
      ctx.output(report, () => [
        `backend:  ${describeBackend(backend)}`,
        ...backend.attempts.filter((a) => a.ok).map((a) => `          ${a.reason}`),
        `versions: ${Object.entries(backend.versions)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
        `face models (${modelId}) in ${faceModelDir()}:`,
        ...models.map((m) => `  ${m.found ? 'ok     ' : 'MISSING'} ${m.role}`),
        `style model (VGG-19): ${vgg19?.status === 'installed' ? vgg19.path : `${vgg19?.status ?? 'missing'} — run facekit models fetch vgg19 (or models import vgg19 FILE)`}`,
        `store:    ${ctx.dbPath} ${locked ? `(encrypted: set ${KEY_ENV} to look inside)` : store ? `(schema v${store.schemaVersion()}, ${report.store.people} people, ${store.encrypted ? 'encrypted' : 'not encrypted'})` : '(not created yet)'}`,
        ...(registry ? describeRegistry(registry) : []),
        ...stale.map((s) => `  warning: ${s.count} embedding(s) from another face model (${s.modelId}); re-enrol those people`),
      ]);
    });
}
