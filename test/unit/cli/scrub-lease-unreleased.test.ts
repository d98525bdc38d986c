import * as path from 'node:path';
import { CLI_SCRUB_LEASE_SECONDS, type ScrubAccess, scrubCommand } from '../../../cli/commands/scrub-command';
import { SCRUB_LEASE_CLOCK_MARGIN_MS, ScrubLease, type ScrubLeaseStore } from '../../../lambdas/catalog/scrub-lease';
import { ScrubLog } from '../../../lambdas/catalog/scrub-log';
import { catalogOnDynalite } from '../../support/catalog-on-dynalite';
import { capturedCliIo } from '../../support/captured-cli-io';
import { scrubVaultPair, type VaultPair } from '../../support/scrub-vault-pair';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { removeDir, tempDir } from '../../support/vault-test-helpers';
import { VaultNotFoundError } from '../../../vault';

/** `lifeboat scrub` stopped by a throttle while its scrub lease could not be released (the rest: scrub-command.test.ts). */

const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/nonexistent' };

let dir: string;
let pair: VaultPair;
let access: ScrubAccess;

beforeEach(async () => {
  dir = await tempDir('scrub-lease-unreleased');
  pair = await scrubVaultPair(path.join(dir, 'src'));
  access = {
    environment: { name: 'dev' },
    scrubLog: { latest: async () => undefined, record: async () => undefined },
    openVault: async (side) => (side === 'primary' ? pair.primary : pair.dr),
  };
});
afterEach(async () => {
  jest.restoreAllMocks();
  await removeDir(dir);
});

// Review r65K F2: a throttled scrub said "running the command again in a minute is safe", but its lease release, throttled
// too, was swallowed: the lease stayed held and the run a minute later was refused "Another scrub is running" (its own).
it('r65K F2: a throttled scrub whose lease release the catalog throttles says the lease is held and when to run again', async () => {
  const { documents, close } = await catalogOnDynalite();
  try {
    const lease = new ScrubLease(documents, 'catalog');
    const throttle = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } });
    const unreleasing: ScrubLeaseStore = { take: (...a) => lease.take(...a), renew: (...a) => lease.renew(...a), release: () => Promise.reject(throttle) };
    const scrubLog = new ScrubLog(documents, 'catalog');
    const t0 = Date.UTC(2026, 10, 30, 3, 0, 0);
    let at = t0;
    const now = () => new Date(at);
    const slowDown = Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    const list = jest.spyOn(pair.primary.store, 'listWithSizes').mockImplementation(() => {
      throw slowDown;
    });
    const listPlain = jest.spyOn(pair.primary.store, 'list').mockImplementation(() => {
      throw slowDown;
    });
    const first = capturedCliIo();
    expect(await scrubCommand({ ...target, fraction: '1', vault: 'primary' }, { io: first.io, access: { ...access, scrubLog, scrubLease: unreleasing }, now })).toBe(1);
    const until = new Date(t0 + CLI_SCRUB_LEASE_SECONDS * 1000).toISOString();
    const takeoverAt = new Date(t0 + CLI_SCRUB_LEASE_SECONDS * 1000 + SCRUB_LEASE_CLOCK_MARGIN_MS).toISOString();
    expect(first.err).toEqual([
      `lifeboat scrub: Please reduce your request rate. The scrub stopped part way and recorded nothing: it changed nothing in the vaults; its scrub lease could not be released (Rate of requests exceeds the allowed throughput.), so it is held until ${until}, and running the command again from ${takeoverAt} (before then, delete the catalog item pk "SCRUB#LEASE", sk "LEASE" once no other scrub runs: docs/RUNBOOKS.md, "Scrub") is safe (the next run starts where this one did); if it is throttled again, run it with a lower --fraction.`,
    ]);
    list.mockRestore();
    listPlain.mockRestore();
    // What it says holds: a minute later the run is refused by the lease left held; from the takeover it scrubs.
    at = t0 + 60_000;
    const again = capturedCliIo();
    expect(await scrubCommand({ ...target, fraction: '1', vault: 'primary' }, { io: again.io, access: { ...access, scrubLog, scrubLease: lease }, now })).toBe(1);
    expect(again.err.join('\n')).toContain('Another scrub is running');
    at = Date.parse(takeoverAt) + 1000;
    expect(await scrubCommand({ ...target, fraction: '1', vault: 'primary' }, { io: capturedCliIo().io, access: { ...access, scrubLog, scrubLease: lease }, now })).toBe(0);
    expect((await scrubLog.latest())?.outcome).toBe('CLEAN');
  } finally {
    await close();
  }
});

// Review r65W F1: a scrub that ended normally (exit 0) with its lease release refused said nothing of it, and the next
// scrub was refused "Another scrub is running", naming the finished run, until the takeover.
it('r65W F1: a scrub that ends normally with its lease unreleased says the lease is held and until when', async () => {
  const { documents, close } = await catalogOnDynalite();
  try {
    const lease = new ScrubLease(documents, 'catalog');
    const throttle = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } });
    const unreleasing: ScrubLeaseStore = { take: (...a) => lease.take(...a), renew: (...a) => lease.renew(...a), release: () => Promise.reject(throttle) };
    const t0 = Date.UTC(2026, 10, 30, 3, 0, 0);
    const now = () => new Date(t0);
    const run = capturedCliIo();
    expect(await scrubCommand({ ...target, fraction: '1', vault: 'primary' }, { io: run.io, access: { ...access, scrubLog: new ScrubLog(documents, 'catalog'), scrubLease: unreleasing }, now })).toBe(0);
    const until = new Date(t0 + CLI_SCRUB_LEASE_SECONDS * 1000).toISOString();
    const takeoverAt = new Date(t0 + CLI_SCRUB_LEASE_SECONDS * 1000 + SCRUB_LEASE_CLOCK_MARGIN_MS).toISOString();
    expect(run.err).toContain(
      `note: the scrub lease could not be released (Rate of requests exceeds the allowed throughput.), so it is held until ${until}: the next scrub is refused until ${takeoverAt} (before then, delete the catalog item pk "SCRUB#LEASE", sk "LEASE" once no other scrub runs: docs/RUNBOOKS.md, "Scrub")`,
    );
  } finally {
    await close();
  }
});

// Review r65Z F1: "Nothing to scrub yet" (no vault) returned before the run was marked ended, so its unreleased lease
// went unsaid and the next scrub was refused "Another scrub is running".
it('r65Z F1: a scrub with nothing to scrub yet whose lease release is refused says the lease is held', async () => {
  const { documents, close } = await catalogOnDynalite();
  try {
    const lease = new ScrubLease(documents, 'catalog');
    const throttle = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } });
    const unreleasing: ScrubLeaseStore = { take: (...a) => lease.take(...a), renew: (...a) => lease.renew(...a), release: () => Promise.reject(throttle) };
    const run = capturedCliIo();
    const noVault: ScrubAccess = { ...access, openVault: async () => Promise.reject(new VaultNotFoundError('No vault at s3://x/ yet')), scrubLog: new ScrubLog(documents, 'catalog'), scrubLease: unreleasing };
    expect(await scrubCommand({ ...target, fraction: '1', vault: 'primary' }, { io: run.io, access: noVault, now: () => new Date(Date.UTC(2026, 10, 30, 3, 0, 0)) })).toBe(0);
    expect(run.out.join('\n')).toContain('Nothing to scrub yet');
    expect(run.err).toEqual([expect.stringMatching(/^note: the scrub lease could not be released \(Rate of requests exceeds the allowed throughput\.\), so it is held until /)]);
  } finally {
    await close();
  }
});
