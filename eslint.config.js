// @ts-check
/**
 * ESLint flat config for the whole repository: `npx eslint .` (or `npm run lint`, which also runs
 * `prettier --check .`).
 *
 * - .ts files are linted type-aware (typescript-eslint recommendedTypeChecked) against
 *   tsconfig.node.json / tsconfig.web.json; .vue files with eslint-plugin-vue flat/recommended and
 *   the typescript-eslint parser for <script lang="ts">, also type-aware (tsconfig.web.json).
 * - Plain .js/.mjs files (this file, scripts/*.mjs, bin/*.mjs) are not in any tsconfig and get the
 *   non-type-aware rules only.
 * - Layer boundaries (what src/shared, src/main, src/main/app, src/preload, src/renderer and
 *   src/cli may import) are enforced with no-restricted-imports; see LAYERS below.
 * - eslint-config-prettier comes last, so no rule here fights Prettier's formatting.
 */
import { builtinModules } from 'node:module';
import path from 'node:path';

import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import prettierConfig from 'eslint-config-prettier/flat';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';
import vueParser from 'vue-eslint-parser';

const ROOT = import.meta.dirname;
const TSCONFIGS = ['./tsconfig.node.json', './tsconfig.web.json'];

// ---------------------------------------------------------------------------------------------
// Import resolution (import-x/no-cycle, import-x/no-self-import)
// ---------------------------------------------------------------------------------------------

const tsResolver = createTypeScriptImportResolver({
  alwaysTryTypes: true,
  noWarnOnMultipleProjects: true,
  project: TSCONFIGS.map((p) => path.join(ROOT, p)),
  extensions: ['.ts', '.tsx', '.d.ts', '.mts', '.cts', '.vue', '.js', '.mjs', '.cjs', '.json', '.node'],
});

/**
 * Path aliases the bundler knows about. If tsconfig.web.json declares them under `paths`, the
 * TypeScript resolver above already handles them and this fallback is never reached.
 */
const PATH_ALIASES = { '@shared/': 'src/shared/' };

/** @type {import('eslint-plugin-import-x').NewResolver} */
const aliasResolver = {
  interfaceVersion: 3,
  name: 'ctvlm-path-aliases',
  resolve(modulePath, sourceFile) {
    for (const [prefix, dir] of Object.entries(PATH_ALIASES)) {
      if (modulePath.startsWith(prefix)) {
        return tsResolver.resolve(path.join(ROOT, dir, modulePath.slice(prefix.length)), sourceFile);
      }
    }
    return { found: false };
  },
};

// ---------------------------------------------------------------------------------------------
// Layer boundaries
// ---------------------------------------------------------------------------------------------

/** @param {string} s */
const escapeRegex = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const NODE_BUILTINS = [...new Set(builtinModules.map((m) => m.replace(/^node:/, '')))];
/** `node:anything`, or a bare builtin (`fs`, `fs/promises`, `path`, `child_process`, ...). */
const NODE_BUILTIN_REGEX = `^(node:.*|(${NODE_BUILTINS.map(escapeRegex).join('|')})(/.*)?)$`;
/** `electron`, `electron/main`, ... and @electron-toolkit/* (which requires electron at runtime). */
const ELECTRON_REGEX = '^(electron|@electron-toolkit/[^/]+)(/.*)?$';

/**
 * Each layer: the folder it covers, what it may not import, and the message shown.
 * `forbidLayers` are sibling folders of src/ (matched as relative paths that really leave the
 * layer, as `src/<layer>/...` and as `@<layer>/...` aliases).
 */
const LAYERS = [
  {
    dir: 'src/shared',
    electron: 'src/shared runs everywhere (main, preload, renderer, CLI): no electron imports.',
    node: 'src/shared runs everywhere, the browser included: no node:* or Node builtin imports.',
    forbidLayers: ['main', 'preload', 'renderer', 'cli'],
    layersMessage: 'src/shared is the bottom layer: it may not import src/main, src/preload, src/renderer or src/cli.',
  },
  {
    dir: 'src/main',
    ignores: ['src/main/app/**'],
    electron:
      'src/main (except src/main/app) runs under plain Node: no electron imports. Electron glue belongs in src/main/app.',
    forbidLayers: ['renderer', 'preload', 'cli'],
    layersMessage: 'src/main may not import src/renderer, src/preload or src/cli.',
  },
  {
    dir: 'src/main/app',
    forbidLayers: ['renderer', 'cli'],
    layersMessage: 'src/main/app (Electron glue) may not import src/renderer or src/cli.',
  },
  {
    dir: 'src/preload',
    node: 'src/preload is a sandboxed preload: it may import electron and src/shared only, no Node builtins.',
    forbidLayers: ['main', 'renderer', 'cli'],
    layersMessage: 'src/preload may import electron and src/shared only: not src/main, src/renderer or src/cli.',
  },
  {
    dir: 'src/renderer',
    electron:
      'src/renderer runs in the browser (Electron window or web mode): no electron imports; use the API client.',
    node: 'src/renderer runs in the browser: no node:* or Node builtin imports; use the API client.',
    forbidLayers: ['main', 'preload', 'cli'],
    layersMessage:
      'src/renderer may not import src/main, src/preload or src/cli; shared code comes from src/shared via @shared/...',
  },
  {
    dir: 'src/cli',
    electron: 'src/cli runs under plain Node: no electron imports.',
    forbidLayers: ['renderer', 'preload'],
    layersMessage: 'src/cli may not import src/renderer or src/preload.',
  },
];

/** Deepest folder nesting (below a layer's folder) that the relative-path patterns cover. */
const MAX_DEPTH = 16;

/**
 * Relative imports are matched per folder depth, so that `../../renderer/x` is only flagged where
 * it really leaves the layer (src/main/store/x.ts → src/renderer), and a folder inside a layer that
 * happens to be called `cli` or `renderer` is not.
 *
 * @param {(typeof LAYERS)[number]} layer
 * @param {number} depth number of folders between the layer's folder and the file
 */
function layerPatterns(layer, depth) {
  /** @type {{ regex: string, message: string }[]} */
  const patterns = [];
  if (layer.electron) patterns.push({ regex: ELECTRON_REGEX, message: layer.electron });
  if (layer.node) patterns.push({ regex: NODE_BUILTIN_REGEX, message: layer.node });
  const targets = layer.forbidLayers.join('|');
  const ups = layer.dir.split('/').length - 1 + depth; // `../` count from the file's folder to src/
  patterns.push(
    { regex: `^(\\./)?(\\.\\./){${ups}}(${targets})(/|$)`, message: layer.layersMessage },
    { regex: `^(\\.\\./)*src/(${targets})(/|$)`, message: layer.layersMessage },
    { regex: `^@(${targets})(/|$)`, message: layer.layersMessage },
  );
  return patterns;
}

/**
 * no-restricted-imports does not look at dynamic `import('...')`; the same patterns are applied
 * to those with no-restricted-syntax.
 *
 * @param {{ regex: string, message: string }[]} patterns
 */
function dynamicImportSelectors(patterns) {
  return patterns.map(({ regex, message }) => ({
    selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\x2F')}/]`,
    message: `${message} (dynamic import)`,
  }));
}

/** @type {import('eslint').Linter.Config[]} */
const layerConfigs = LAYERS.flatMap((layer) =>
  Array.from({ length: MAX_DEPTH + 1 }, (_, depth) => {
    const patterns = layerPatterns(layer, depth);
    return {
      name: `ctvlm/layers/${layer.dir}/depth-${depth}`,
      files: [`${layer.dir}/${'*/'.repeat(depth)}*`],
      ...(layer.ignores ? { ignores: layer.ignores } : {}),
      rules: {
        'no-restricted-imports': ['error', { patterns }],
        'no-restricted-syntax': ['error', ...dynamicImportSelectors(patterns)],
      },
    };
  }),
);

const SHARED_FORBIDDEN_GLOBALS = [
  ...['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'location', 'history'].map((name) => ({
    name,
    message: `src/shared runs everywhere: no DOM globals (${name}).`,
  })),
  ...['process', 'Buffer', '__dirname', '__filename', 'require', 'global'].map((name) => ({
    name,
    message: `src/shared runs everywhere, the browser included: no Node globals (${name}).`,
  })),
];

/** Node's own globals, for plain .js/.mjs files (avoids depending on the `globals` package). */
const NODE_GLOBALS = Object.fromEntries(
  Object.getOwnPropertyNames(globalThis)
    .filter((name) => /^[A-Za-z_$][\w$]*$/.test(name))
    .map((name) => [name, /** @type {const} */ ('readonly')]),
);

const UNUSED_VARS_OPTIONS = {
  args: 'after-used',
  argsIgnorePattern: '^_',
  varsIgnorePattern: '^_',
  caughtErrorsIgnorePattern: '^_',
  destructuredArrayIgnorePattern: '^_',
  ignoreRestSiblings: true,
};

const TS_FILES = ['**/*.ts', '**/*.mts', '**/*.cts'];
const VUE_FILES = ['**/*.vue'];
const JS_FILES = ['**/*.js', '**/*.mjs', '**/*.cjs'];

export default defineConfig([
  globalIgnores(
    [
      '**/node_modules/',
      'out/',
      'dist/',
      'coverage/',
      'test-results/',
      'bench/results/',
      'resources/**/*.nii.gz',
      '.ci/',
      '.gpubench/',
      '.gl/',
    ],
    'ctvlm/ignores',
  ),

  {
    name: 'ctvlm/linter-options',
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },

  // --- every file ------------------------------------------------------------------------------
  { name: 'eslint/recommended', ...js.configs.recommended },
  {
    name: 'ctvlm/import-x',
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [tsResolver, aliasResolver, createNodeResolver()],
      'import-x/extensions': ['.ts', '.mts', '.cts', '.vue', '.js', '.mjs', '.cjs'],
      // Dependencies are parsed with the importing file's parser unless listed here; .vue files
      // need vue-eslint-parser (which hands <script lang="ts"> to parserOptions.parser).
      'import-x/parsers': { 'vue-eslint-parser': ['.vue'] },
    },
    rules: {
      'import-x/no-cycle': ['error', { maxDepth: Infinity, ignoreExternal: true }],
      'import-x/no-self-import': 'error',
    },
  },

  // --- TypeScript and Vue (type-aware) ---------------------------------------------------------
  {
    name: 'ctvlm/typescript',
    files: [...TS_FILES, ...VUE_FILES],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        project: TSCONFIGS,
        tsconfigRootDir: ROOT,
        extraFileExtensions: ['.vue'],
        // Only read by vue-eslint-parser (for .vue files, and when import-x parses a .vue
        // dependency of a .ts file); the TypeScript parser ignores it.
        parser: tseslint.parser,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', UNUSED_VARS_OPTIONS],
    },
  },
  {
    // What typescript-eslint's eslint-recommended override does for .ts (no-undef etc. are
    // TypeScript's job), applied to .vue too.
    name: 'ctvlm/vue-eslint-recommended-overrides',
    files: VUE_FILES,
    rules: tseslint.configs.eslintRecommended.rules,
  },
  ...pluginVue.configs['flat/recommended'],
  {
    name: 'ctvlm/vue',
    files: VUE_FILES,
    languageOptions: {
      parser: vueParser,
      sourceType: 'module',
      parserOptions: {
        parser: tseslint.parser,
        project: ['./tsconfig.web.json'],
        tsconfigRootDir: ROOT,
        extraFileExtensions: ['.vue'],
        sourceType: 'module',
      },
    },
  },

  // --- plain JavaScript (not in any tsconfig) --------------------------------------------------
  {
    name: 'ctvlm/javascript',
    files: JS_FILES,
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: NODE_GLOBALS,
    },
    rules: {
      'no-unused-vars': ['error', UNUSED_VARS_OPTIONS],
    },
  },

  // --- layer boundaries -------------------------------------------------------------------------
  ...layerConfigs,
  {
    name: 'ctvlm/layers/src/shared/globals',
    files: ['src/shared/**'],
    languageOptions: {
      // ES globals only (they come from ecmaVersion): no browser, no Node.
      globals: {},
    },
    rules: {
      'no-restricted-globals': ['error', ...SHARED_FORBIDDEN_GLOBALS],
    },
  },

  // Formatting is Prettier's: keep this last.
  prettierConfig,
]);
