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
