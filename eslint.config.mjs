import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Outside vault/, the engine is used through its public faces (vault/index.ts, vault/aws.ts, vault/prestart.ts) only. */
const VAULT_INTERNALS = {
  regex: '(^|/)vault/(?!(aws|prestart)(\\.js)?$)',
  message: 'Import the vault engine through its public faces (vault, vault/aws, vault/prestart), not its internals.',
};

/** The engine imports nothing of the rest of Lifeboat. */
const VAULT_ONLY = { regex: '^(\\.\\./)+(lambdas|lib|local|cli|bin|config|bench)(/|$)', message: 'The vault engine imports nothing of the rest of Lifeboat.' };

/** The vault files that may load the AWS SDK. */
const AWS_VAULT_FILES = ['vault/backend/s3/**', 'vault/keys/kms-key-provider.ts', 'vault/backend/open-vault-store.ts', 'vault/aws.ts'];

/** One no-restricted-imports block per boundary; type-only imports are held to the same rules. */
function boundaries(rules) {
  return rules.map(({ files, ignores, patterns }) => ({
    files,
    ...(ignores ? { ignores } : {}),
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
  }));
}

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
  // Who may import whom (docs/ARCHITECTURE.md, "The map"): bin → cli → local → lambdas → vault;
  // lib (the constructs) and config are imported by both sides and import no runtime code.
  ...boundaries([
    {
      files: ['vault/**/*.ts'],
      ignores: AWS_VAULT_FILES,
      patterns: [
        { group: ['@aws-sdk/*'], message: 'Only vault/backend/s3 and the KMS key provider load the AWS SDK: the rest of the engine runs anywhere.' },
        VAULT_ONLY,
      ],
    },
    { files: AWS_VAULT_FILES, patterns: [VAULT_ONLY] },
    {
      files: ['config/**/*.ts'],
      patterns: [{ regex: '^(\\.\\./)+(lambdas|lib|local|cli|bin|vault|bench)(/|$)', message: 'The config schema is shared by the constructs and the runtime and imports neither.' }],
    },
    {
      files: ['lib/**/*.ts'],
      patterns: [{ regex: '^(\\.\\./)+(lambdas|vault|local|cli|bin|bench)(/|$)', message: 'The constructs hold infrastructure only: no runtime code in lib/.' }],
    },
    {
      files: ['lambdas/**/*.ts'],
      patterns: [
        { group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'], message: 'Lambda code imports no CDK: shared schemas live in config/.' },
        { regex: '^(\\.\\./)+(lib|local|cli|bin|bench)(/|$)', message: 'lambdas/ imports only vault/ and config/ (bin → cli → local → lambdas → vault).' },
        VAULT_INTERNALS,
      ],
    },
    {
      files: ['local/**/*.ts'],
      patterns: [{ regex: '^(\\.\\./)+(cli|bin|bench)(/|$)', message: 'local/ is imported by cli/, not the other way round.' }, VAULT_INTERNALS],
    },
    {
      files: ['cli/**/*.ts', 'bin/**/*.ts', 'bench/**/*.ts'],
      patterns: [VAULT_INTERNALS],
    },
  ]),
);
