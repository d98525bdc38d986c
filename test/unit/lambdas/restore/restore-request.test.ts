import { type SourceConfig } from '../../../../config/lifeboat-config';
import { parseRestoreRequest } from '../../../../lambdas/restore/restore-request';
import { UnsafeEntryPathError, resolveInsideTarget } from '../../../../vault/restorer/safe-target-path';

const sources: SourceConfig[] = [
  { type: 's3', name: 'assets', bucket: 'prod-assets', prefix: '' },
  { type: 'dynamodb', name: 'orders', table: 'prod-orders' },
  { type: 'filesystem', name: 'files', path: '/mnt/files' },
];

const ok = { source: 'assets', backupId: '20261124T100000Z-1a2b3c4d', target: { type: 's3', bucket: 'restored-assets' } };

describe('restore runbook input', () => {
  it('accepts a restore by id into a new bucket, with defaults', () => {
    const request = parseRestoreRequest(ok, sources);
    expect(request).toMatchObject({ source: 'assets', overwrite: false, keepSetIdBits: false, vault: 'primary', target: { type: 's3', bucket: 'restored-assets', prefix: '' } });
    const files = { source: 'files', backupId: ok.backupId, target: { type: 'filesystem', path: '/mnt/restored' }, keepSetIdBits: true };
    expect(parseRestoreRequest(files, sources).keepSetIdBits).toBe(true);
  });

  it.each([
    [{ ...ok, backupId: 'nope' }, 'backupId: must be a backup id such as 20261124T100000Z-1a2b3c4d'],
    [{ source: 'assets', pointInTime: 'yesterday', target: ok.target }, 'pointInTime: must be an ISO 8601 time with a zone'],
    [{ source: 'assets', pointInTime: '2026-13-45T99:00:00Z', target: ok.target }, 'pointInTime: must be an ISO 8601 time with a zone'],
    // Date.parse would read these as March 2 and May 1: a point in time later than the one asked for.
    [{ source: 'assets', pointInTime: '2026-02-30T10:00:00Z', target: ok.target }, 'pointInTime: is no time of the calendar'],
    [{ source: 'assets', pointInTime: '2026-04-31T10:00:00+02:00', target: ok.target }, 'pointInTime: is no time of the calendar'],
    [{ source: 'assets', pointInTime: '2026-04-30T24:00:00Z', target: ok.target }, 'pointInTime: is no time of the calendar'],
    [{ source: 'assets', backupId: ok.backupId }, 'target: is required'],
    [{ ...ok, target: { type: 'ftp' } }, 'target.type: must have "type" s3'],
    [{ ...ok, source: 'payroll' }, 'source: unknown source "payroll"; known sources: assets, orders, files'],
    [{ ...ok, target: { type: 'dynamodb', table: 'x-restored' } }, 'target.type: source "assets" is a s3 source'],
    [{ ...ok, target: { type: 's3', bucket: 'prod-assets' } }, 'target: this is the original bucket prod-assets; restoring onto it replaces live data, so set "overwrite": true'],
    [{ ...ok, overwrite: 'yes' }, 'overwrite:'],
    [{ ...ok, extra: 1 }, 'extra'],
    [{ ...ok, pointInTime: '2026-11-24T10:00:00Z' }, 'backupId: give either backupId or pointInTime, not both'],
    [{ target: ok.target }, 'source: is required'],
    [{ ...ok, keepSetIdBits: true }, 'keepSetIdBits: applies to file-system targets only; remove it for a s3 target'],
    [{ ...ok, keepSetIdBits: 'yes' }, 'keepSetIdBits:'],
  ])('rejects %j with a message naming the field', (input, message) => {
    expect(() => parseRestoreRequest(input, sources)).toThrow(expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining(message) }));
  });

  it('allows restoring onto the original only with overwrite: true', () => {
    expect(parseRestoreRequest({ ...ok, overwrite: true, target: { type: 's3', bucket: 'prod-assets' } }, sources).overwrite).toBe(true);
    expect(() => parseRestoreRequest({ source: 'files', backupId: ok.backupId, target: { type: 'filesystem', path: '/mnt/files/' } }, sources)).toThrow(/original directory/);
  });
});

describe('restoring entry paths into a directory', () => {
  it('places ordinary and odd names inside the target', () => {
    expect(resolveInsideTarget('/restore', 'a/b c/%2e%2e+x.txt')).toBe('/restore/a/b c/%2e%2e+x.txt');
    expect(resolveInsideTarget('/restore', './a//b')).toBe('/restore/a/b');
  });

  it.each([
    ['../etc/passwd', 'contains a ".." segment'],
    ['a/../../x', 'contains a ".." segment'],
    ['/etc/passwd', 'is an absolute path'],
    ['a\0b', 'contains a NUL byte'],
  ])('refuses %j: %s', (entry, reason) => {
    expect(() => resolveInsideTarget('/restore', entry)).toThrow(UnsafeEntryPathError);
    expect(() => resolveInsideTarget('/restore', entry)).toThrow(reason);
  });
});
