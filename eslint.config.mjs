// Lint: TypeScript (type-aware, strict), the build/start scripts, and the editor .html files (RED and $ as globals).
import js from '@eslint/js';
import html from 'eslint-plugin-html';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'examples/**', 'resources/**', '**/node_modules/**', '.userdir/**', '.cache/**', 'test-output/**'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.strict],
    languageOptions: { globals: { ...globals.node, ...globals.mocha } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Node constructors keep `const node = this` for the callbacks, as Node-RED's own nodes do.
    files: ['nodes/*/*.ts'],
    rules: { '@typescript-eslint/no-this-alias': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
  {
    files: ['scripts/**/*.js', 'templates/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
  {
    // the editor script the dialogs share, as the browser runs it
    files: ['editor/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: 2015,
      sourceType: 'script',
      globals: { ...globals.browser, RED: 'readonly', $: 'readonly', jQuery: 'readonly' },
    },
    rules: { eqeqeq: 'error' },
  },
  {
    files: ['nodes/**/*.html'],
    plugins: { html },
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: 2015,
      sourceType: 'script',
      globals: { ...globals.browser, RED: 'readonly', $: 'readonly', jQuery: 'readonly', jsonata: 'readonly' },
    },
    rules: { 'no-var': 'off', eqeqeq: 'error', 'no-unused-vars': ['error', { args: 'none', caughtErrors: 'none' }] },
  },
);
