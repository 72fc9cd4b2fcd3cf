// ESLint: typescript-eslint's recommended rules over the sources, tests and benches.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ERROR_BUILDERS = 'badInput|badRequest|notFound|conflict|forbidden|unauthenticated|unavailable';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.data/', 'public/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } } },
  {
    // modules use each other's services and types, never each other's resolvers
    files: ['src/modules/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*/*.resolver'], message: "Import another module's service or types, not its resolver." }] },
      ],
    },
  },
  {
    // every error a client sees is made by a named factory of a `*.errors.ts` file, with its reason
    files: ['src/**/*.ts'],
    ignores: ['src/errors.ts', 'src/**/*.errors.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          "NewExpression[callee.name='AppError']",
          "CallExpression[callee.object.name='AppError']",
          `ImportSpecifier[imported.name=/^(${ERROR_BUILDERS})$/]`,
        ].map((selector) => ({ selector, message: 'Throw a named factory of a *.errors.ts file (SegmentErrors.notFound(id)), not an AppError made here.' })),
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
