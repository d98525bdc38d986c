import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCredentials } from '../../../cli/run-credentials';

/**
 * Review r62G F4: the run's providers were kept for the module's life, whatever the environment said later: a test (or
 * a process) that set other keys or another AWS_PROFILE got the credentials asked for before. They are now keyed by
 * the credential environment too.
 */
const VARIABLES = ['HOME', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION', 'AWS_EC2_METADATA_DISABLED'] as const;
const saved = VARIABLES.map((name) => [name, process.env[name]] as const);
const home = mkdtempSync(path.join(tmpdir(), 'lifeboat-run-credentials-env-'));

beforeAll(() => {
  for (const name of VARIABLES) delete process.env[name];
  process.env.HOME = home;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
});

afterAll(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(home, { recursive: true, force: true });
});

it('gives the credentials the environment names now, not those of an earlier environment', async () => {
  process.env.AWS_ACCESS_KEY_ID = 'AKIA-FIRST';
  process.env.AWS_SECRET_ACCESS_KEY = 'first';
  await expect(runCredentials(undefined, 'eu-west-1')()).resolves.toMatchObject({ accessKeyId: 'AKIA-FIRST' });
  process.env.AWS_ACCESS_KEY_ID = 'AKIA-SECOND';
  process.env.AWS_SECRET_ACCESS_KEY = 'second';
  await expect(runCredentials(undefined, 'eu-west-1')()).resolves.toMatchObject({ accessKeyId: 'AKIA-SECOND', secretAccessKey: 'second' });
});
