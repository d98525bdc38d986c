import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.lifeboat/**', 'bench/out/**', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'it', property: 'only', message: 'Focused tests are not allowed.' },
        { object: 'describe', property: 'only', message: 'Focused tests are not allowed.' },
        { object: 'test', property: 'only', message: 'Focused tests are not allowed.' },
        { object: 'it', property: 'skip', message: 'Skipped tests need to be removed or fixed.' },
        { object: 'describe', property: 'skip', message: 'Skipped tests need to be removed or fixed.' },
        { object: 'test', property: 'skip', message: 'Skipped tests need to be removed or fixed.' },
      ],
    },
  },
);
