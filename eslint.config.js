// ESLint for the functions, local runtime, deployment tests and bench (web/ has its own).
import js from '@eslint/js';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import tseslint from 'typescript-eslint';

// The layers of functions/src, lowest first (README "Layout"): a file imports only from its own
// layer or lower ones. Paths are matched on the import string (relative, so `../x/` or `./x/`).
const upward = {
  features: {
    regex: '^(\\.\\.?/)+(queue|submissions|fair-use|health|live|observability|stats)/',
    message: 'The base layer (errors, config, deadline, fib, redis, http, validation, batching) imports no feature.',
  },
  composition: {
    regex: '^(\\.\\.?/)+(services|function-app|registration-types)\\.js$',
    message:
      'Features and the base layer do not import the composition (services, function-app, registration-types): take the narrow sources you use.',
  },
  handlers: {
    regex: '^(\\.\\.?/)+functions/',
    message: 'Only the registrations import handlers (functions/src/functions/); move shared code into a feature.',
  },
  top: {
    regex: '^(\\.\\.?/)+(registrations|index)\\.js$',
    message: 'Nothing imports the registrations or the entry point.',
  },
};
const layer = (files, restricted) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns: restricted }] } });
const baseFiles = [
  'functions/src/{errors,config,deadline,function-selection}.ts',
  'functions/src/{fib,redis,http,validation,batching}/**/*.ts',
];
const featureFiles = ['functions/src/{queue,submissions,fair-use,health,live,observability,stats}/**/*.ts'];
const compositionFiles = ['functions/src/{services,function-app,registration-types}.ts'];
const handlerFiles = ['functions/src/functions/**/*.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/**', '.local/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'local/*.mjs', '.ci/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      eqeqeq: 'error',
      'no-duplicate-imports': ['error', { allowSeparateTypeImports: true }],
      // One error-narrowing helper (errorMessage), not copies of the same conditional.
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.name='json'] > ObjectExpression > Property[key.name='error']",
          message: 'Use jsonError(status, message) (functions/src/http/responses.ts), the one JSON error builder.',
        },
        {
          selector: "ConditionalExpression[test.operator='instanceof'][test.right.name='Error'][alternate.callee.name='String']",
          message: 'Use errorMessage(error) (functions/src/errors.ts) instead of `x instanceof Error ? x.message : String(x)`.',
        },
      ],
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  layer(baseFiles, [upward.features, upward.composition, upward.handlers, upward.top]),
  layer(featureFiles, [upward.composition, upward.handlers, upward.top]),
  layer(compositionFiles, [upward.handlers, upward.top]),
  layer(handlerFiles, [upward.top]),
  {
    // expect.any(...) and friends are typed `any` by vitest.
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    // The helper itself.
    files: ['functions/src/errors.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', fetch: 'readonly', AbortSignal: 'readonly', URL: 'readonly' },
    },
  },
);
