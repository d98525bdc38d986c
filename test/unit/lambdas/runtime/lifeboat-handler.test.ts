import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { UnknownBackupError } from '../../../../lambdas/catalog/catalog-errors';
import { InvalidEnvironmentError, InvalidInputError, MissingEnvironmentError, TransientError } from '../../../../lambdas/runtime/errors';
import { createLambdaRuntime, type LambdaRuntime } from '../../../../lambdas/runtime/lambda-runtime';
import { lifeboatHandler } from '../../../../lambdas/runtime/lifeboat-handler';
import { runtimeConfigFromEnv } from '../../../../lambdas/runtime/runtime-config';
import { KeyFileKeyProvider } from '../../../../vault/keys/key-file-key-provider';

/**
 * The handler runtime every Lambda goes through (parse → runtime → work → classification) and the
 * composition root it gets its runtime from. Nothing here talks to AWS: SDK clients are built
 * lazily, and no request is sent.
 */

const PLAN = {
  name: 'orders',
  sources: [{ type: 's3', name: 'orders-bucket', bucket: 'orders', prefix: '' }],
  schedule: 'rate(1 day)',
  strategy: 'incremental',
  retention: { keepLast: 3 },
  objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
};

/** The environment a backup function of a deployed stack has (lib/constructs/backup-workflow.ts). */
const BACKUP_ENV = {
  AWS_REGION: 'eu-west-1',
  LIFEBOAT_ENVIRONMENT: 'prod',
  VAULT_BUCKET: 'prod-vault',
  VAULT_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/primary',
  CATALOG_TABLE: 'prod-catalog',
  LIFEBOAT_PLANS: JSON.stringify([PLAN]),
};

/** The replicate function also knows the DR vault. */
const REPLICATE_ENV = {
  ...BACKUP_ENV,
  DR_VAULT_BUCKET: 'prod-vault-dr',
  DR_REGION: 'eu-central-1',
  DR_VAULT_KEY_ARN: 'arn:aws:kms:eu-central-1:111122223333:alias/prod-vault-dr',
};

function runtimeOf(env: NodeJS.ProcessEnv): LambdaRuntime {
  return createLambdaRuntime(runtimeConfigFromEnv(env));
}

const inputSchema = z.object({ backup: z.object({ backupId: z.string().min(1), planKey: z.string().min(1) }) });
const VALID = { backup: { backupId: 'b-1', planKey: 'plans/b-1.json' } };

function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the service`), { name, $metadata: { httpStatusCode: status } });
}

describe('lifeboatHandler', () => {
  it('hands the parsed input, the runtime and the invocation to the work', async () => {
    const runtime = runtimeOf(BACKUP_ENV);
    const invocation = { getRemainingTimeInMillis: () => 1234 };
    const handler = lifeboatHandler(
      { schema: inputSchema, describes: 'commit request' },
      async (input, rt, inv) => ({ id: input.backup.backupId, same: rt === runtime, remaining: inv?.getRemainingTimeInMillis() }),
      () => runtime,
    );
    await expect(handler(VALID, invocation)).resolves.toEqual({ id: 'b-1', same: true, remaining: 1234 });
  });

  it('rejects a malformed event with an InvalidInputError naming each bad field, before building the runtime', async () => {
    const runtime = jest.fn((): LambdaRuntime => runtimeOf(BACKUP_ENV));
    const work = jest.fn(async () => 'never');
    const handler = lifeboatHandler({ schema: inputSchema, describes: 'commit request' }, work, runtime);
    const rejected = handler({ backup: { backupId: '', planKey: 7 } });
    await expect(rejected).rejects.toThrow(InvalidInputError);
    await expect(rejected).rejects.toThrow(
      'Invalid commit request: backup.backupId: Too small: expected string to have >=1 characters; backup.planKey: must be a string, got a number',
    );
    await expect(handler(undefined)).rejects.toThrow('Invalid commit request: (input): is required');
    expect(runtime).not.toHaveBeenCalled();
    expect(work).not.toHaveBeenCalled();
  });

  it.each([
    ['a throttled SDK call', sdkError('ThrottlingException', 400)],
    ['an SDK call answered TooManyRequestsException (HTTP 429)', sdkError('TooManyRequestsException', 429)],
    ['a 5xx answer', sdkError('SomethingBroke', 503)],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('turns %s into a TransientError (retried by the workflows)', async (_, error) => {
    const handler = lifeboatHandler({ schema: inputSchema, describes: 'commit request' }, async () => Promise.reject(error), () => runtimeOf(BACKUP_ENV));
    const rejected = handler(VALID);
    await expect(rejected).rejects.toThrow(TransientError);
    await expect(rejected).rejects.toMatchObject({ name: 'TransientError', message: `${error.name}: ${error.message}`, cause: error });
  });

  it.each([
    ['a domain error', new UnknownBackupError('b-404')],
    ['a 4xx SDK error', sdkError('AccessDeniedException', 403)],
    ['a missing variable', new MissingEnvironmentError('DR_VAULT_BUCKET')],
  ])('passes %s through under its own name (caught as permanent)', async (_, error) => {
    const handler = lifeboatHandler({ schema: inputSchema, describes: 'commit request' }, async () => Promise.reject(error), () => runtimeOf(BACKUP_ENV));
    await expect(handler(VALID)).rejects.toBe(error);
  });

  it('classifies a failure to build the runtime too', async () => {
    const handler = lifeboatHandler({ schema: inputSchema, describes: 'commit request' }, async () => 'never', () => runtimeOf({ ...BACKUP_ENV, CATALOG_TABLE: '' }));
    await expect(handler(VALID)).rejects.toThrow('Environment variable CATALOG_TABLE is not set; the function was deployed without it.');
  });
});

describe('the composition root', () => {
  it('names a missing variable that every function needs', () => {
    const { CATALOG_TABLE: _omitted, ...env } = BACKUP_ENV;
    expect(() => runtimeConfigFromEnv(env)).toThrow(new MissingEnvironmentError('CATALOG_TABLE'));
  });

  it('asks for the primary vault only when a function uses it', () => {
    const { VAULT_BUCKET: _omitted, ...env } = BACKUP_ENV;
    const runtime = runtimeOf(env);
    expect(runtime.environment).toBe(BACKUP_ENV.LIFEBOAT_ENVIRONMENT);
    expect(() => runtime.vaultBucket('primary')).toThrow(new MissingEnvironmentError('VAULT_BUCKET'));
  });

  it('names a plans variable that does not parse', () => {
    expect(() => runtimeConfigFromEnv({ ...BACKUP_ENV, LIFEBOAT_PLANS: '[{' })).toThrow(InvalidEnvironmentError);
    expect(() => runtimeConfigFromEnv({ ...BACKUP_ENV, LIFEBOAT_PLANS: JSON.stringify([{ ...PLAN, strategy: 'sometimes' }]) })).toThrow(
      /^Environment variable LIFEBOAT_PLANS is invalid: 0\.strategy: /,
    );
  });

  it('asks for the DR vault only when a function uses it', () => {
    const runtime = runtimeOf(BACKUP_ENV);
    expect(runtime.vaultBucket('primary')).toBe('prod-vault');
    expect(() => runtime.vaultBucket('dr')).toThrow(new MissingEnvironmentError('DR_VAULT_BUCKET'));
    expect(runtime.sources.map((s) => s.name)).toEqual(['orders-bucket']);
  });

  it('gives the DR vault the DR region\'s S3 and KMS clients, and its own key, without touching process.env', async () => {
    const before = { ...process.env };
    const runtime = runtimeOf(REPLICATE_ENV);
    const kms = jest.spyOn(runtime.clients, 'kmsClient');
    const provider = await runtime.vaultKeys('dr');
    expect(provider.kind).toBe('kms');
    expect(kms).toHaveBeenCalledWith('eu-central-1');
    expect(await runtime.vaultS3('dr').config.region()).toBe('eu-central-1');
    expect(await runtime.vaultS3('primary').config.region()).toBe('eu-west-1');
    expect(runtime.vaultStore('dr').location).toBe('s3://prod-vault-dr');
    expect(process.env).toEqual(before);
  });

  it('names the missing key variable of the vault asked for', async () => {
    const { DR_VAULT_KEY_ARN: _omitted, ...env } = REPLICATE_ENV;
    await expect(runtimeOf(env).vaultKeys('dr')).rejects.toThrow(new MissingEnvironmentError('DR_VAULT_KEY_ARN'));
  });

  it('uses the local key file for both vaults under the local executor', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lifeboat-runtime-'));
    try {
      const keyFile = path.join(dir, 'vault.key');
      const { DR_VAULT_KEY_ARN: _a, VAULT_KEY_ARN: _b, ...env } = REPLICATE_ENV;
      const runtime = runtimeOf({ ...env, LIFEBOAT_LOCAL_VAULT_KEY_FILE: keyFile });
      // Only the Plan step's open of a vault not created yet makes the key file (local-vault-key.test.ts).
      await KeyFileKeyProvider.create(keyFile);
      expect((await runtime.vaultKeys('dr')).kind).toBe('key-file');
      expect((await runtime.vaultKeys('primary')).kind).toBe('key-file');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('maps configured directories under LIFEBOAT_FS_ROOT locally and leaves them as they are in AWS', () => {
    expect(runtimeOf({ ...BACKUP_ENV, LIFEBOAT_FS_ROOT: '/tmp/fsroot' }).directory('/mnt/data')).toBe(path.join('/tmp/fsroot', '/mnt/data'));
    expect(runtimeOf(BACKUP_ENV).directory('/mnt/data')).toBe('/mnt/data');
  });
});
