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
