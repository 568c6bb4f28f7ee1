// ESLint 9 flat config: `npm run lint` (part of `npm run check`, after tsc and svelte-check).
// Type-aware: typescript-eslint's recommended-type-checked over the TypeScript and Svelte sources, each file
// checked against its own tsconfig (projectService finds tsconfig.json, or renderer/tsconfig.json for the UI).
// Formatting is Prettier's job (`npm run format`); eslint-config-prettier switches off the rules it owns.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import svelteConfig from './renderer/svelte.config.js';

/** Our folders the renderer may not reach: it talks to the engine only through api/ (see .dependency-cruiser.cjs). */
const NOT_FOR_THE_RENDERER = ['engine', 'db', 'host', 'serve', 'cli', 'electron', 'bench', 'test', 'scripts', 'bin'];

export default defineConfig(
  {
    name: 'facekit/ignores',
    ignores: [
      '**/node_modules/',
      'out/',
      'dist/',
      'renderer/dist/',
      'release/',
      'test-results/',
      'models/',
      'test/fixtures/',
      'docs/screenshots/',
    ],
  },

  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...svelte.configs.recommended,

  {
    name: 'facekit/type-aware',
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
      parserOptions: {
        projectService: {
          // config files outside both tsconfigs' include lists
          allowDefaultProject: ['renderer/vite.config.ts'],
        },
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
  },

  {
    name: 'facekit/svelte',
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        // <script lang="ts"> is parsed by typescript-eslint, type-aware like the .ts files
        parser: tseslint.parser,
        svelteConfig,
      },
    },
  },

  {
    name: 'facekit/renderer',
    files: ['renderer/src/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      // renderer-only-api of .dependency-cruiser.cjs, repeated here because dependency-cruiser cruises .svelte
      // files after the Svelte compiler has dropped their `import type` lines; this rule sees those too.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.\\./)+(${NOT_FOR_THE_RENDERER.join('|')})/`,
              message: 'renderer-only-api: the renderer imports nothing of ours outside renderer/ but api/.',
            },
            { regex: '^electron$', message: "only-electron-imports-electron: the renderer never imports 'electron'." },
          ],
        },
      ],
    },
  },

  {
    name: 'facekit/rules',
    rules: {
      // stricter than recommended
      eqeqeq: ['error', 'smart'],
      // With noUncheckedIndexedAccess on, a missing element is a real case: check it and say what went wrong.
      '@typescript-eslint/no-non-null-assertion': 'error',
      // `_`-prefixed names are deliberate leftovers (fixed callback signatures, `const { secret: _, ...rest } = x`);
      // tsc's noUnusedLocals covers the rest.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Error messages print tensor shapes and number lists with `${shape}` on purpose (Array#join's commas).
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowArray: true, allowAny: true, allowBoolean: true, allowNullish: true, allowNumber: true, allowRegExp: true },
      ],
      // Off: `async` without `await` is deliberate here: test doubles and synchronous implementations of
      // Promise-returning interfaces (a sync loss next to an async one), where `async` also turns a throw into a
      // rejection. Forgotten awaits are caught by no-floating-promises and no-misused-promises instead.
      '@typescript-eslint/require-await': 'off',
      // Off: it reports plain Date/Set/Map temporaries inside functions (a Date to format a timestamp, a Set to
      // de-duplicate ids) that are never component state; reactive state here is always declared with $state.
      'svelte/prefer-svelte-reactivity': 'off',
      // node:test's test()/describe() return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
    },
  },

  {
    name: 'facekit/svelte-components',
    files: ['**/*.svelte'],
    rules: {
      // Off in .svelte files only: typescript-eslint cannot resolve imports of .svelte components (it has no
      // svelte2tsx), so a component's props and the types exported from a <script module> come through as
      // `any`/error-typed and every use of them is reported. svelte-check (--fail-on-warnings, in `npm run check`)
      // type-checks these files with full knowledge of the components.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-redundant-type-constituents': 'off',
    },
  },

  {
    name: 'facekit/tests',
    files: ['test/**', 'bench/**'],
    rules: {
      // Off in tests and benchmarks: they read the CLI's --json output and protocol replies as parsed JSON
      // (`any`) and poke at fields directly; asserting on them is the point. Production code keeps these rules.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },

  {
    name: 'facekit/preload',
    files: ['electron/preload/**'],
    rules: {
      // The preload throws plain ErrorInfo objects on purpose: contextBridge copies a plain object's fields into
      // the page, not an Error subclass's; the renderer rebuilds the FaceKitError from them.
      '@typescript-eslint/only-throw-error': 'off',
    },
  },

  {
    ...tseslint.configs.disableTypeChecked,
    name: 'facekit/plain-js',
    // JavaScript files (bin/, scripts/, the configs) are outside both tsconfigs: no type information for them
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
  },
  {
    name: 'facekit/commonjs',
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },

  // last: switch off every stylistic rule that Prettier owns
  prettier,
  ...svelte.configs.prettier,
);
