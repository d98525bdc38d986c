import * as path from 'node:path';
import { scrubVaults } from '../../../../lambdas/replication/scrub-vaults';
import { scrubRunSummary } from '../../../../lambdas/replication/scrub-run-summary';
import { FIRST_SCRUB_CURSOR } from '../../../../vault/checker/scrub-slice';
import { corrupt, listKeys, scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * Review r64P F4: the repair's check of the other vault's copy took any 403 for a refused read and flagged the copy
 * refused (otherCopyRefused), so a clock-skew 403 (RequestTimeTooSkewed) was recorded as a permission to fix, which the
 * next scrub with the clock set right would not meet. Only a want of permission flags it; the other 403s leave the copy
 * unverified, the reason saying what the 403 was.
 */

let dir: string;
let pair: VaultPair;
let pack: string;
beforeEach(async () => {
  dir = await tempDir('scrub-copy-403');
  pair = await scrubVaultPair(path.join(dir, 'src'));
  const [first] = await listKeys(pair.primary.store, 'data/');
  if (first === undefined) throw new Error('the pair has a pack');
  pack = first;
  await corrupt(pair.primary.store, pack);
});
afterEach(async () => removeDir(dir));

/** Scrubs the primary vault with repair while the DR store answers `err` to every read of the pack. */
async function scrubWithDrReadFailing(err: Error) {
  const get = pair.dr.store.get.bind(pair.dr.store);
  pair.dr.store.get = (key, range) => (key === pack ? Promise.reject(err) : get(key, range));
  const report = await scrubVaults({ scope: 'primary', fraction: 1, cursor: FIRST_SCRUB_CURSOR, vaults: { primary: pair.primary, dr: pair.dr }, repair: true });
  const record = scrubRunSummary(report, { environment: 'dev', startedAt: '2026-12-01T00:00:00.000Z', endedAt: '2026-12-01T00:00:01.000Z' });
  return { finding: report.findings.find((f) => f.key === pack), entry: record.outstanding?.objects.find((o) => o.key === pack) };
}

const s3Error = (name: string, message: string): Error => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 403 } });

it("a clock-skew 403 on the other copy's check leaves it unverified, not refused, the reason naming the clock", async () => {
  const { finding, entry } = await scrubWithDrReadFailing(s3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'));
  expect(finding).toMatchObject({ vault: 'primary', problem: 'corrupt', outcome: 'unrepaired', otherCopy: 'unverified' });
  expect(finding?.otherCopyRefused).toBeUndefined();
  expect(finding?.reason).toContain('S3 refused the request for its time, not for a permission (RequestTimeTooSkewed)');
  expect(entry).toMatchObject({ otherCopy: 'unverified' });
  expect(entry?.otherCopyRefused).toBeUndefined();
});

it("an AccessDenied on the other copy's check flags it refused, as before", async () => {
  const { finding, entry } = await scrubWithDrReadFailing(s3Error('AccessDenied', 'User: x is not authorized to perform: s3:GetObject'));
  expect(finding).toMatchObject({ otherCopy: 'unverified', otherCopyRefused: true });
  expect(entry).toMatchObject({ otherCopy: 'unverified', otherCopyRefused: true });
});

/** Scrubs the primary vault with repair while its store answers `err` to every write of the pack (the repair's copy). */
async function scrubWithPrimaryWriteFailing(err: Error) {
  const store = pair.primary.store as { put: typeof pair.primary.store.put; replace?: typeof pair.primary.store.replace };
  const put = store.put.bind(pair.primary.store);
  store.put = (key, body, options) => (key === pack ? Promise.reject(err) : put(key, body, options));
  if (store.replace !== undefined) {
    const replace = store.replace.bind(pair.primary.store);
    store.replace = (key, body, options) => (key === pack ? Promise.reject(err) : replace(key, body, options));
  }
  const report = await scrubVaults({ scope: 'primary', fraction: 1, cursor: FIRST_SCRUB_CURSOR, vaults: { primary: pair.primary, dr: pair.dr }, repair: true });
  return report.findings.find((f) => f.key === pack);
}

it("f65M: a clock-skew 403 on the repair's write says the clock, not a permission to grant", async () => {
  const finding = await scrubWithPrimaryWriteFailing(s3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'));
  expect(finding).toMatchObject({ vault: 'primary', problem: 'corrupt', outcome: 'unrepaired' });
  expect(finding?.reason).toContain('S3 refused the request for its time, not for a permission (RequestTimeTooSkewed)');
  expect(finding?.reason).toContain('"RequestTimeTooSkewed: The difference between the request time and the current time is too large."');
  expect(finding?.reason).not.toContain('s3:PutObject');
});

it("an AccessDenied on the repair's write names the permission, as before", async () => {
  const finding = await scrubWithPrimaryWriteFailing(s3Error('AccessDenied', 'Access Denied'));
  expect(finding?.reason).toContain('these credentials lack s3:PutObject on it');
});
