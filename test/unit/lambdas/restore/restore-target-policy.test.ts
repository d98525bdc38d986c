import { type SourceConfig } from '../../../../config/lifeboat-config';
import { RestoreTargetNotAllowedError } from '../../../../lambdas/restore/restore-errors';
import { parseRestoreRequest } from '../../../../lambdas/restore/restore-request';
import { checkTargetAllowed } from '../../../../lambdas/restore/restore-target-policy';

/**
 * Audit R12, F1: a restore target in the restore-target pattern that is ANOTHER configured source's bucket or table is
 * refused, naming that source: such a restore needs no approval and would mix one source's data into another live one
 * (and its backups). Only a restore of a source into itself, with `overwrite`, reaches a source.
 */
const PREFIX = 'lifeboat-dev-restore-';
const BACKUP = '20261124T100000Z-1a2b3c4d';
const assets: SourceConfig = { type: 's3', name: 'demo-assets', bucket: 'lifeboat-demo-assets', prefix: '' };
const site: SourceConfig = { type: 's3', name: 'public-site', bucket: `${PREFIX}public-site`, prefix: '', inventory: { bucket: `${PREFIX}site-inventory`, prefix: '' } };
const orders: SourceConfig = { type: 'dynamodb', name: 'orders', table: 'lifeboat-demo-orders' };
const ledger: SourceConfig = { type: 'dynamodb', name: 'ledger', table: `${PREFIX}ledger` };
const sources = [assets, site, orders, ledger];

function refusal(source: SourceConfig, raw: Record<string, unknown>): unknown {
  const request = parseRestoreRequest({ source: source.name, backupId: BACKUP, ...raw }, sources);
  try {
    checkTargetAllowed(PREFIX, request.sourceConfig, request.target, undefined, sources);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('restore targets that are another source (checkTargetAllowed)', () => {
  it('refuses another source\'s bucket in the restore pattern, naming that source, though overwrite is false', () => {
    const err = refusal(assets, { target: { type: 's3', bucket: `${PREFIX}public-site`, prefix: 'copy/' } });
    expect(err).toBeInstanceOf(RestoreTargetNotAllowedError);
    expect((err as Error).message).toBe(
      `Invalid restore request: target.bucket: "${PREFIX}public-site" is the bucket of source "public-site", live data that is itself backed up; a restore may reach a source only as its own original, with "overwrite": true. Choose a new bucket`,
    );
  });

  it('refuses another source\'s inventory bucket and table in the pattern', () => {
    expect((refusal(assets, { target: { type: 's3', bucket: `${PREFIX}site-inventory` } }) as Error).message).toMatch(/^Invalid restore request: target\.bucket: "lifeboat-dev-restore-site-inventory" is the inventory bucket of source "public-site"/);
    expect((refusal(orders, { target: { type: 'dynamodb', table: `${PREFIX}ledger` } }) as Error).message).toMatch(/^Invalid restore request: target\.table: "lifeboat-dev-restore-ledger" is the table of source "ledger", live data/);
  });

  it('still lets a source be restored into itself with overwrite, and into a new target of the pattern', () => {
    expect(refusal(site, { target: { type: 's3', bucket: `${PREFIX}public-site`, prefix: '' }, overwrite: true })).toBeUndefined();
    expect(refusal(ledger, { target: { type: 'dynamodb', table: `${PREFIX}ledger` }, overwrite: true })).toBeUndefined();
    expect(refusal(assets, { target: { type: 's3', bucket: `${PREFIX}assets-copy` } })).toBeUndefined();
    expect(refusal(orders, { target: { type: 'dynamodb', table: `${PREFIX}orders-copy` } })).toBeUndefined();
  });
});

/**
 * Audit R41 F1: in the source's own bucket IAM grants the restore functions only the objects under the source's prefix
 * (source-access.ts), and the DR region's runbook no source at all. The first check (parseRestoreRequest, which the
 * approval step of an overwrite restore runs too) refuses what IAM would refuse half way, naming the field.
 */
describe('a target in the source\'s own bucket or table (audit R41 F1)', () => {
  const data: SourceConfig = { type: 's3', name: 'app-data', bucket: 'acme-shared', prefix: 'data/' };
  const logs: SourceConfig = { type: 's3', name: 'app-logs', bucket: 'acme-shared', prefix: 'logs/' };
  const whole: SourceConfig = { type: 's3', name: 'site', bucket: 'acme-site', prefix: '' };
  const nested: SourceConfig = { type: 's3', name: 'site-reports', bucket: 'acme-site', prefix: 'reports/' };
  const table: SourceConfig = { type: 'dynamodb', name: 'orders', table: 'acme-orders' };
  const shared = [data, logs, whole, nested, table];
  const check = (source: SourceConfig, target: Record<string, unknown>, homeVault: 'primary' | 'dr' = 'primary'): unknown => {
    try {
      const request = parseRestoreRequest({ source: source.name, backupId: BACKUP, target, overwrite: true }, shared, homeVault);
      checkTargetAllowed(PREFIX, request.sourceConfig, request.target, undefined, shared);
    } catch (err) {
      return err;
    }
    return undefined;
  };

  it('accepts the original (prefix "") and prefixes under the source\'s own, which IAM grants', () => {
    expect(check(data, { type: 's3', bucket: 'acme-shared' })).toBeUndefined();
    expect(check(data, { type: 's3', bucket: 'acme-shared', prefix: 'data/restored/' })).toBeUndefined();
    expect(check(whole, { type: 's3', bucket: 'acme-site', prefix: 'restored/' })).toBeUndefined();
    expect(check(table, { type: 'dynamodb', table: 'acme-orders' })).toBeUndefined();
  });

  it('refuses a prefix outside the source\'s own, naming target.prefix and what to give instead', () => {
    const err = check(data, { type: 's3', bucket: 'acme-shared', prefix: 'restored/' });
    expect(err).toBeInstanceOf(RestoreTargetNotAllowedError);
    expect((err as Error).message).toBe(
      'Invalid restore request: target.prefix: in the source\'s own bucket acme-shared the restore workflow may write only under the source\'s prefix "data/" (what IAM grants it); "restored/" is outside it. Give "prefix": "" to restore onto the original, a prefix starting with "data/", or a new bucket for a copy beside it',
    );
    // Another source's live prefix in the same bucket, which IAM would let through for a source granted the whole bucket.
    expect((check(data, { type: 's3', bucket: 'acme-shared', prefix: 'logs/' }) as Error).message).toMatch(/^Invalid restore request: target\.prefix: in the source's own bucket acme-shared .* "logs\/" is outside it/);
    expect((check(whole, { type: 's3', bucket: 'acme-site', prefix: 'reports/old/' }) as Error).message).toBe(
      'Invalid restore request: target.prefix: the keys restored under "reports/old/" would land in the prefix "reports/" of source "site-reports" in the same bucket, live data that is itself backed up; choose a prefix outside it, or a new bucket',
    );
  });

  it('in the DR region\'s runbook, refuses the original bucket and table, pointing at the primary runbook or a new target', () => {
    for (const [source, target, field] of [
      [data, { type: 's3', bucket: 'acme-shared' }, 'target.bucket'],
      [table, { type: 'dynamodb', table: 'acme-orders' }, 'target.table'],
    ] as const) {
      const err = check(source, target, 'dr');
      expect(err).toBeInstanceOf(RestoreTargetNotAllowedError);
      expect((err as Error).message).toMatch(new RegExp(`^Invalid restore request: ${field.replace('.', '\\.')}: this is the DR region's restore runbook, which may write only new buckets and tables .* never a source; to restore onto the source's own (bucket acme-shared|table acme-orders), start the primary region's restore runbook`));
    }
    // Without overwrite too: the DR refusal comes first, not a request to confirm an overwrite it could never do.
    expect(() => parseRestoreRequest({ source: 'orders', backupId: BACKUP, target: { type: 'dynamodb', table: 'acme-orders' } }, shared, 'dr')).toThrow(/this is the DR region's restore runbook/);
    expect(check(table, { type: 'dynamodb', table: `${PREFIX}orders` }, 'dr')).toBeUndefined();
  });
});
