import { commitBackup } from '../../../../lambdas/backup/commit-backup';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { TransientError } from '../../../../lambdas/runtime/errors';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { initVault, openVault, type Vault } from '../../../../vault/repository/vault';
import { SMALL_TUNING } from '../../../support/vault-test-helpers';

/**
 * Two commit invocations of one backup (Step Functions' retry beside a first invocation whose response was lost),
 * on an in-memory vault and catalog (review 41c): how long the second waits for the first's claims, and what it
 * does when a claim that beat its own is withdrawn before it reads it back.
 */
const BACKUP_ID = '20261201T100000Z-0a1b2c3d';
const PLAN_KEY = `plans/${BACKUP_ID}.json`;
const input = { backupId: BACKUP_ID, planKey: PLAN_KEY };
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function setUp(sourceNames: string[]) {
  const store = new MemoryVaultStore('claims');
  const provider = new PassphraseKeyProvider('unit', { N: 1024, r: 8, p: 1 });
  const first = await initVault(store, provider, SMALL_TUNING);
  const plan = {
    backupId: BACKUP_ID,
    plan: 'p',
    environment: 'test',
    strategy: 'full',
    requestedStrategy: 'full',
    createdAt: '2026-12-01T10:00:00.000Z',
    sources: sourceNames.map((name) => ({ name, type: 's3', snapshotSource: { kind: 's3', id: name, bucket: name, prefix: '' }, parent: null })),
    shardManifests: [],
    shardCount: 0,
  };
  await store.put(PLAN_KEY, Buffer.from(JSON.stringify(plan)));
  const record = { status: 'RUNNING' };
  const catalog = {
    getBackup: () => Promise.resolve({ ...record }),
    requireBackup: () => Promise.resolve({ ...record, backupId: BACKUP_ID }),
    markCommitted: () => {
      if (record.status !== 'RUNNING' && record.status !== 'COMMITTED') return Promise.reject(new Error(`not committable: ${record.status}`));
      record.status = 'COMMITTED';
      return Promise.resolve();
    },
    indexCommittedBackup: () => Promise.resolve(),
  } as unknown as BackupCatalog;
  const second = async (): Promise<Vault> => openVault(store, provider);
  return { store, first, second, catalog, record };
}

it('a second invocation waits for the first at most wait.maxMs in all, not per source, then asks for a retry', async () => {
  const { first, second, catalog } = await setUp(['src-a', 'src-b']);
  let clock = Date.parse('2026-12-01T11:00:00Z');
  const now = (): Date => new Date(clock);
  // The first invocation takes 9 minutes (of the fake clock, which the second's waits move) to write each snapshot.
  let secondDone = false;
  const write = first.commitSnapshot.bind(first);
  first.commitSnapshot = async (i) => {
    const until = clock + 9 * 60_000;
    while (clock < until) {
      if (secondDone) clock = until;
      await tick();
    }
    return write(i);
  };
  const a = commitBackup(input, { vault: first, catalog, now, invocation: 'A', sleep: tick });
  for (let i = 0; i < 50; i++) await tick();
  const started = clock;
  let waited = 0;
  const b = commitBackup(input, {
    vault: await second(),
    catalog,
    now,
    invocation: 'B',
    sleep: async (ms) => {
      clock += ms;
      waited = clock - started;
      await tick();
    },
  })
    .then(
      () => 'committed',
      (err: Error) => err,
    )
    .finally(() => (secondDone = true));
  const [ra, rb] = await Promise.all([a.then(() => 'committed'), b]);
  expect(ra).toBe('committed');
  // The default wait: 10 minutes of this invocation, inside the commit function's 15-minute timeout.
  expect(rb).toBeInstanceOf(TransientError);
  expect((rb as Error).message).toMatch(/the snapshot of source src-b is not there yet \(it is being committed by invocation A since .*\) 600000 ms into this commit invocation/);
  expect(waited).toBeLessThanOrEqual(10 * 60_000);
});

it('a second invocation whose losing claim finds the winner\'s withdrawn looks again and commits, instead of failing the backup', async () => {
  const { store, first, second, catalog, record } = await setUp(['src-a']);
  // The first invocation's snapshot write fails at once (a 503 the workflow would retry): it withdraws its claim.
  first.commitSnapshot = () => Promise.reject(new TransientError('S3 SlowDown (503)'));
  const startFirst = (): Promise<string> =>
    commitBackup(input, { vault: first, catalog, invocation: 'A' }).then(
      () => 'committed',
      (err: Error) => err.name,
    );
  // B looked (no marker) and is about to claim; A claims in between, so B's claim is refused (412), and B's read-back
  // comes only after A failed and withdrew its claim.
  let firstSettled: Promise<string> = Promise.resolve('not started');
  let firstClaimed!: () => void;
  const claimedByFirst = new Promise<void>((resolve) => (firstClaimed = resolve));
  const putIfAbsent = store.putIfAbsent.bind(store);
  let claims = 0;
  store.putIfAbsent = async (key, body) => {
    if (!key.includes('/committed/')) return putIfAbsent(key, body);
    claims++;
    if (claims === 1) {
      firstSettled = startFirst();
      await claimedByFirst;
      const won = await putIfAbsent(key, body);
      await firstSettled;
      return won;
    }
    const won = await putIfAbsent(key, body);
    if (claims === 2) firstClaimed();
    return won;
  };
  await expect(commitBackup(input, { vault: await second(), catalog, invocation: 'B', claimWait: { pollMs: 1, maxMs: 60_000 } })).resolves.toMatchObject({ status: 'COMMITTED' });
  expect(await firstSettled).toBe('TransientError');
  expect(claims).toBe(3);
  expect(record.status).toBe('COMMITTED');
});
