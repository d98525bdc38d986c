import { pruneCommand } from '../../../cli/commands/prune-command';
import { EndpointThrottledError } from '../../../cli/endpoint-throttled-error';
import { MemoryVaultStore } from '../../../vault/backend/memory/memory-vault-store';
import { PassphraseKeyProvider } from '../../../vault/keys/passphrase-key-provider';
import { initVault, type Vault } from '../../../vault/repository/vault';
import { capturedCliIo } from '../../support/captured-cli-io';

/**
 * Review r64R F4: a throttle's words leave what to run to the command (vault-request-words.ts), but `lifeboat prune`
 * said none: it ended "…; S3 may take the request in a minute", exit 1. Thrown while opening, nothing was changed and
 * the command is run again in a minute; thrown part way, the prune says that running it again is safe and why.
 */
const TARGET = { config: '/nonexistent', env: 'test', dataDir: '/nonexistent' };
const THROTTLE = 'the primary vault v could not be used: S3 in us-east-1 throttled ListObjectsV2 (SlowDown (HTTP 503): Please reduce your request rate.); S3 may take the request in a minute';

function throttled(): EndpointThrottledError {
  const slowDown = Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
  return new EndpointThrottledError(THROTTLE, slowDown);
}

function accessTo(open: () => Promise<Vault>) {
  return { environment: { name: 'test' }, openVault: open, pruneLogIn: () => ({ record: () => Promise.resolve() }) };
}

it('a throttle while the vault opens says nothing was changed and to run the command again in a minute', async () => {
  const run = capturedCliIo();
  expect(await pruneCommand(TARGET, { io: run.io, access: accessTo(() => Promise.reject(throttled())) })).toBe(1);
  expect(run.err).toEqual([`lifeboat prune: ${THROTTLE}. Nothing was changed: run the command again in a minute.`]);
});

it('a throttle once the prune began says running it again is safe and why', async () => {
  const memory = new MemoryVaultStore();
  const vault = await initVault(memory, new PassphraseKeyProvider('throttled prune', { N: 1024, r: 8, p: 1 }));
  jest.spyOn(memory, 'list').mockImplementation(() => {
    throw throttled();
  });
  jest.spyOn(memory, 'listWithSizes').mockImplementation(() => {
    throw throttled();
  });
  const run = capturedCliIo();
  expect(await pruneCommand(TARGET, { io: run.io, access: accessTo(() => Promise.resolve(vault)) })).toBe(1);
  expect(run.err).toEqual([
    `lifeboat prune: ${THROTTLE}. The prune stopped part way: what it deleted or condemned is done, the vault verifies, and running the command again in a minute is safe (it reads the vault again and finishes what is left).`,
  ]);
});
