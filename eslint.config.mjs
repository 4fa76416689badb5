// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const NODE_BUILTINS = [
  'node:*',
  'fs',
  'fs/promises',
  'path',
  'os',
  'child_process',
  'crypto',
  'net',
  'stream',
  'zlib',
  'util',
  'events',
  'worker_threads',
];

/** Import bans that encode who may import what (docs/ARCHITECTURE.md, "Folder map"). */
const layer = (
  /** @type {string[]} */ files,
  /** @type {{group: string[], message: string}[]} */ patterns,
) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

const noNode = { group: NODE_BUILTINS, message: 'This layer must not use Node built-ins.' };
const noElectron = {
  group: ['electron'],
  message: 'Only src/main and src/preload may import Electron.',
};
const noUi = {
  group: ['**/renderer/**', '**/main/**', '**/preload/**', '**/helper/**', '**/cli/**'],
  message: 'Lower layers must not import the app layers.',
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'release/**',
      'node_modules/**',
      '.cache/**',
      'test-results/**',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  layer(['src/bridge/web-shim.ts'], [noNode]),
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  layer(
    ['src/shared/**'],
    [
      noNode,
      noElectron,
      {
        group: ['**/core/**', '**/engine/**', ...noUi.group],
        message: 'src/shared imports nothing outside shared.',
      },
    ],
  ),
  layer(
    ['src/core/**'],
    [
      noNode,
      noElectron,
      noUi,
      {
        group: ['**/engine/**', '**/bridge/**'],
        message: 'The pure engine imports core and shared only.',
      },
    ],
  ),
  // The pure engine's tests run in Node (they read fixtures and call the checking tools) but
  // still stay below the app layers.
  layer(['test/unit/core/**', 'test/integration/core/**'], [noElectron, noUi]),
  layer(
    ['src/engine/**'],
    [noElectron, { group: [...noUi.group, '**/bridge/**'], message: noUi.message }],
  ),
  layer(
    ['src/renderer/**'],
    [
      noNode,
      noElectron,
      {
        group: ['**/main/**', '**/preload/**', '**/helper/**', '**/cli/**', '**/engine/**'],
        message: 'The renderer talks to main through the preload API only.',
      },
    ],
  ),
  layer(
    ['src/preload/**'],
    [
      noNode,
      {
        group: [
          '**/core/**',
          '**/engine/**',
          '**/main/**',
          '**/renderer/**',
          '**/helper/**',
          '**/cli/**',
        ],
        message: 'The preload exposes the shared contract only.',
      },
    ],
  ),
  layer(
    ['src/helper/**', 'src/cli/**'],
    [
      noElectron,
      {
        group: ['**/main/**', '**/renderer/**', '**/preload/**'],
        message: 'The helper and CLI run without Electron.',
      },
    ],
  ),
  layer(
    ['src/main/**'],
    [
      {
        group: ['**/renderer/**', '**/cli/**'],
        message: 'Main does not import the renderer or the CLI.',
      },
    ],
  ),
);
