import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';

// Node built-ins, bare or `node:`-prefixed: none may reach the workflow sandbox.
const NODE_BUILTINS = [
  'assert',
  'async_hooks',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'module',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

const API_BAN = {
  group: ['**/api', '**/api/*'],
  message: 'Dependencies point down: only entry points (runtime, main) import src/api/.',
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.tools/',
      '.data/',
      '.test-data/',
      'bench-results/',
      'coverage/',
      'dist/',
      'console/dist/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      // Type-aware rules: the TypeScript program of each file (tsconfig.json covers them all).
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // A promise nobody awaits loses its rejection: in the all-in-one process that can end it.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      // Dependencies point one way (api → services → repositories / rules); a cycle means a layer
      // leaks upwards. (The rule follows value imports; keep type-only imports one-way as well.)
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // Plain JavaScript files (this config, scripts/*.mjs) are not in the TypeScript program.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Workflow code is bundled into Temporal's deterministic sandbox: no Node built-ins (bare or
    // `node:`), no clients, no I/O libraries.
    // Type-only imports are erased before bundling, so a contract module may name client types.
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.map((name) => ({
            name,
            message: 'Workflow code runs in the deterministic sandbox: no Node built-ins.',
            allowTypeImports: true,
          })),
          patterns: [
            {
              group: ['node:*'],
              message: 'Workflow code runs in the deterministic sandbox: no Node built-ins.',
              allowTypeImports: true,
            },
            {
              group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker'],
              message: 'Workflows may import @temporalio/workflow and @temporalio/common only.',
              allowTypeImports: true,
            },
            {
              group: ['undici', 'knex', 'pg', '@electric-sql/*', 'pino', 'zod'],
              message: 'No I/O or heavy libraries in workflows.',
            },
            API_BAN,
          ],
        },
      ],
    },
  },
  {
    // Nothing below the HTTP layer may reach into it.
    // (Workflows carry the same ban in their own block above: one rule entry per file wins.)
    files: [
      'src/services/**/*.ts',
      'src/activities/**/*.ts',
      'src/repositories/**/*.ts',
      'src/rules/**/*.ts',
      'src/db/**/*.ts',
      'src/schemas/**/*.ts',
    ],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [API_BAN] }] },
  },
  {
    // The operator console runs in the browser: DOM globals, React's rules of hooks. It reaches the
    // server through the public REST API only (and its types through src/schemas, type-only).
    files: ['console/**/*.ts', 'console/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/*', '!**/src/schemas/*'],
              message: 'The console uses the public REST API: only src/schemas types may be imported.',
            },
            {
              group: ['**/src/schemas/*'],
              message: 'Import the API schemas as types only (console/src/api/types.ts).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
