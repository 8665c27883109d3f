// ESLint for db-manage: typescript-eslint's recommended rules plus the few that
// keep the layers honest. Formatting is prettier's (npm run format:check).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**', 'migrations/**', 'deploy/**', 'coverage/**']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        performance: 'readonly',
        structuredClone: 'readonly',
      },
    },
    rules: {
      // import('pg') in a type position keeps a driver out of start-up: allowed.
      '@typescript-eslint/consistent-type-imports': [
        'error',
        {fixStyle: 'inline-type-imports', disallowTypeAnnotations: false},
      ],
      // SQL literals and terminal output are made of control characters.
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'},
      ],
      'no-console': 'off',
      eqeqeq: ['error', 'always', {null: 'ignore'}],
      // Prettier wraps code at 120; this catches comments. A string or template is left whole (a message, a query).
      'max-len': [
        'error',
        {code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true},
      ],
    },
  },
  {
    // Start-up machinery lives in src/boot/ alone (issue 29), and the rest uses it through its one interface.
    files: ['src/**/*.ts'],
    ignores: ['src/boot/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['node:vm', 'node:v8', 'node:module', 'node:worker_threads', 'vm', 'v8', 'module'].map((name) => ({
            name,
            message: 'Node internals are for src/boot/ only: use what src/boot/index.ts offers.',
          })),
          patterns: [
            {
              group: ['**/boot/*', '!**/boot/index.js'],
              message: 'Import src/boot/ through its interface, boot/index.js.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bin/run.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {require: 'readonly', __dirname: 'readonly', module: 'writable'},
    },
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
  {
    // chai's `expect(x).to.be.true`, fixtures typed loosely, column alignment in expected output.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      'no-regex-spaces': 'off',
      // A test's comment may quote an expected line whole.
      'max-len': 'off',
    },
  },
)
