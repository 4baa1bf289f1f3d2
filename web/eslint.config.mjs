// ESLint for the web workspace: type-checked TypeScript rules, React hooks rules, sorted imports.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import tseslint from 'typescript-eslint';

/** No feature imports a route (app/ imports features, never the other way). */
const noApp = {
  regex: String.raw`^(@/app|(\.\./)+app)(/|$)`,
  message: 'features/ must not import app/ (routes import features, not the other way round).',
};
/** Only the page (app/) uses the layout that composes the panels. */
const noDashboard = {
  regex: String.raw`^(@/features/|\.\./)dashboard(/|$)`,
  message: 'Only app/ imports features/dashboard (the layout); panels and state must not.',
};
/** The live state is below the panels it feeds (scaling's scaler-state/-client are data, not UI). */
const noPanels = {
  regex: String.raw`^(@/features/|\.\./)(banner|redis|results|submissions|submit|system|scaling/(?!scaler-))`,
  message: 'features/live (the live state) must not import the panels that subscribe to it.',
};
/** Transport and types are the bottom layer. */
const noOtherFeature = {
  regex: String.raw`^(@/features/(?!api/)|\.\./(?!api/))`,
  message: 'features/api (transport, types) must not import other features (UI or live state).',
};

export default tseslint.config(
  { ignores: ['.next/**', 'next-env.d.ts', 'public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'react-hooks': reactHooks, 'simple-import-sort': simpleImportSort },
    rules: {
      ...reactHooks.configs.recommended.rules,
      eqeqeq: ['error', 'always'],
      'no-duplicate-imports': ['error', { allowSeparateTypeImports: true }],
      // One error-narrowing helper (errorMessage), not copies of the same conditional.
      'no-restricted-syntax': [
        'error',
        {
          selector: "ConditionalExpression[test.operator='instanceof'][test.right.name='Error'][alternate.callee.name='String']",
          message:
            'Use errorMessage(error) (features/api/error-message.ts) instead of `x instanceof Error ? x.message : String(x)`.',
        },
      ],
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Imports point down only: app/ (routes) -> the page's layout (features/dashboard) -> panels ->
  // the live state (features/live) -> transport and types (features/api). Each block lists what
  // its files must not import (a later block replaces an earlier one's list, so each repeats it).
  {
    files: ['features/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noApp, noDashboard] }] },
  },
  {
    files: ['features/live/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noApp, noDashboard, noPanels] }] },
  },
  {
    files: ['features/api/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noApp, noOtherFeature] }] },
  },
  {
    // The helper itself, and the plain-JS launcher scripts, which cannot import it.
    files: ['features/api/error-message.ts', 'scripts/*.mjs'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.mjs', '*.mts'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Plain Node scripts (not type-checked): Node's globals.
    files: ['**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly' } },
  },
);
