import { failoverTargetOf } from '../../../../lambdas/failover/failover-targets';
import { parseFailoverRequest } from '../../../../lambdas/failover/failover-request';
import { parseRestoreRequest } from '../../../../lambdas/restore/restore-request';
import { s3BucketNameProblem } from '../../../../lambdas/restore/target-names';
import { type ProtectionPlanConfig, type SourceConfig } from '../../../../config/lifeboat-config';

/** Audit R22 F3: bucket names S3 reserves are refused where the input is validated, naming the field, not by CreateBucket. */
const source: SourceConfig = { type: 's3', name: 'assets', bucket: 'prod-assets', prefix: '' };
const plans = [{ name: 'web', sources: [source] }] as unknown as ProtectionPlanConfig[];

it.each([
  ['lifeboat-dev-restore-x-s3alias', 'it ends with "-s3alias", which S3 reserves at the end of bucket names (access point aliases, directory and table buckets, Multi-Region Access Points)'],
  ['lifeboat-dev-restore-x--ol-s3', 'it ends with "--ol-s3", which S3 reserves at the end of bucket names (access point aliases, directory and table buckets, Multi-Region Access Points)'],
  ['lifeboat-dev-restore-x--x-s3', 'it ends with "--x-s3", which S3 reserves at the end of bucket names (access point aliases, directory and table buckets, Multi-Region Access Points)'],
  ['lifeboat-dev-restore-x--table-s3', 'it ends with "--table-s3", which S3 reserves at the end of bucket names (access point aliases, directory and table buckets, Multi-Region Access Points)'],
  ['lifeboat-dev-restore.x.mrap', 'it ends with ".mrap", which S3 reserves at the end of bucket names (access point aliases, directory and table buckets, Multi-Region Access Points)'],
  ['xn--restored', 'it begins with "xn--", which S3 reserves at the start of bucket names'],
  ['sthree-restored', 'it begins with "sthree-", which S3 reserves at the start of bucket names'],
  ['sthree-configurator-x', 'it begins with "sthree-", which S3 reserves at the start of bucket names'],
  ['amzn-s3-demo-restored', 'it begins with "amzn-s3-demo-", which S3 reserves at the start of bucket names'],
])('s3BucketNameProblem(%j)', (name, problem) => {
  expect(s3BucketNameProblem(name)).toBe(problem);
});

it('keeps names that only look like the reserved ones', () => {
  for (const name of ['lifeboat-dev-restore-x-ol-s3', 'lifeboat-dev-restore-s3alias-x', 'xn-restored', 'my-sthree-bucket', 'lifeboat-dev-restore-mrap', 'lifeboat.mrap.x']) expect(s3BucketNameProblem(name)).toBeUndefined();
});

it('a restore request names target.bucket', () => {
  expect(() => parseRestoreRequest({ source: 'assets', backupId: '20260301T100000Z-1a2b3c4d', target: { type: 's3', bucket: 'restored--x-s3' } }, [source])).toThrow(
    'target.bucket: is no valid S3 bucket name: it ends with "--x-s3", which S3 reserves at the end of bucket names',
  );
});

it.each(['s3alias', 'x-s3alias', 'x--ol-s3', 'x--x-s3', 'x--table-s3'])('a failover input refuses targetSuffix %j naming the field', (targetSuffix) => {
  expect(() => parseFailoverRequest({ plan: 'web', targetSuffix }, plans)).toThrow(/^Invalid failover input: targetSuffix: must not make the bucket names end with one of S3's reserved endings \(-s3alias, --ol-s3, --x-s3, --table-s3\)/);
});

it('a failover input keeps suffixes that end no name in a reserved ending', () => {
  for (const targetSuffix of ['ol-s3', 'x-s3', 'table-s3', 'failover']) expect(parseFailoverRequest({ plan: 'web', targetSuffix }, plans).targetSuffix).toBe(targetSuffix);
});

it('failoverTargetOf refuses a full bucket name S3 reserves, naming targetSuffix', () => {
  expect(() => failoverTargetOf(source, 'lifeboat-dev-restore-', 's3alias')).toThrow(
    'Invalid failover input: targetSuffix: the target bucket of source "assets" would be lifeboat-dev-restore-assets-s3alias, which is no valid S3 bucket name: it ends with "-s3alias"',
  );
});
