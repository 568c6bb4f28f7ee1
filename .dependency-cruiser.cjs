// The layers of FaceKit, enforced by dependency-cruiser (`npm run check:layers`; part of `npm run check`).
//
//   api/        the contract (zod schemas, codec, errors): imports none of our folders
//   db/         the SQLite store: imports only api/
//   engine/     faces, style, models, recognition, runtime, evaluation, workers: never a host or a shell
//   host/       the engine host: never a shell
//   serve/ cli/ electron/   the shells; only electron/ touches the 'electron' package
//   renderer/   the Svelte UI: only itself and api/ (it talks to the engine through the codec)
//
// Type-only imports count (tsPreCompilationDeps): a type import is still a dependency between layers.
// Limit: .svelte files are compiled by the svelte compiler before they are cruised, and Svelte 5 drops
// `import type` lines while compiling, so type-only imports inside .svelte files are invisible here.
// eslint.config.js backs renderer-only-api up with no-restricted-imports, which does see them.

/** Our top-level folders; anything else (node_modules, package.json) is not a layer. */
const ours = (...folders) => `^(${folders.join('|')})/`;
const ALL = ['api', 'db', 'engine', 'host', 'serve', 'cli', 'electron', 'renderer', 'bench', 'test', 'scripts', 'bin'];
const except = (...keep) => ALL.filter((folder) => !keep.includes(folder));

/** The 'electron' package: resolved (…node_modules/electron/…, also through a symlinked node_modules) or not installed (bare 'electron'). */
const ELECTRON_PACKAGE = '(^|/)node_modules/electron/|^electron$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere, type-only imports included: break the cycle by moving the shared part down a layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'api-is-the-bottom',
      severity: 'error',
      comment: 'api/ is the contract every layer shares: it imports zod and nothing of ours outside api/.',
      from: { path: ours('api') },
      to: { path: ours(...except('api')) },
    },
    {
      name: 'db-not-engine',
      severity: 'error',
      comment: 'db/ (the store) imports only api/ among our folders: not engine/, host/, serve/, cli/, electron/.',
      from: { path: ours('db') },
      to: { path: ours(...except('api', 'db')) },
    },
    {
      name: 'engine-not-above',
      severity: 'error',
      comment: 'engine/ is below the host and the shells: it never imports host/, serve/, cli/, electron/ (nor renderer/).',
      from: { path: ours('engine') },
      to: { path: ours('host', 'serve', 'cli', 'electron', 'renderer', 'bench', 'test', 'scripts', 'bin') },
    },
    {
      name: 'host-not-shells',
      severity: 'error',
      comment: 'host/ serves every shell, so it never imports serve/, cli/, electron/ (nor renderer/).',
      from: { path: ours('host') },
      to: { path: ours('serve', 'cli', 'electron', 'renderer', 'bench', 'test', 'scripts', 'bin') },
    },
    {
      name: 'cli-and-serve-not-electron',
      severity: 'error',
      comment: 'cli/ and serve/ run without Electron: they never import electron/ (serve/renderer-files.ts is shared the other way round).',
      from: { path: ours('cli', 'serve') },
      to: { path: ours('electron') },
    },
    {
      name: 'only-electron-imports-electron',
      severity: 'error',
      comment:
        "Only electron/ (main and preload) imports the 'electron' package; everything else must run under plain Node or in a browser.",
      from: { pathNot: ours('electron') },
      to: { path: ELECTRON_PACKAGE },
    },
    {
      name: 'renderer-only-api',
      severity: 'error',
      comment:
        'renderer/ runs in the browser and talks to the engine through the contract: it imports nothing of ours but renderer/ and api/.',
      from: { path: ours('renderer') },
      to: { path: ours(...except('renderer', 'api')) },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // build outputs; node_modules is not excluded (that would drop the edges to packages, 'electron'
    // included), only not followed
    exclude: { path: '^(out|dist|renderer/dist|release|test-results)/' },
    // type-only imports (import type …) are dependencies too
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      // the code imports with explicit .ts extensions (allowImportingTsExtensions); these cover bare ones
      extensions: ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.svelte', '.json', '.d.ts'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
