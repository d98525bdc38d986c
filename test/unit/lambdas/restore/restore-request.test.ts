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
    [{ ...ok, timeToLive: 'off' }, 'timeToLive: applies to DynamoDB targets only'],
    [{ ...ok, source: 'orders', target: { type: 'dynamodb', table: 'x-restored' }, timeToLive: false }, 'timeToLive: must be "on" (the source\'s TTL, the default) or "off"'],
    [{ ...ok, source: 'orders', target: { type: 'dynamodb', table: 'x-restored' }, timeToLive: 'off', overwrite: true }, 'timeToLive: "off" applies to a table the restore creates'],
  ])('rejects %j with a message naming the field', (input, message) => {
    expect(() => parseRestoreRequest(input, sources)).toThrow(expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining(message) }));
  });

  // Audit a57D-1: TTL turned on at once deletes, within days, the restored items of an older backup whose TTL time has passed.
  it('takes "timeToLive": "off" for a DynamoDB target, and leaves it absent (on, as the source had it) by default', () => {
    const table = { source: 'orders', backupId: ok.backupId, target: { type: 'dynamodb', table: 'x-restored' } };
    expect(parseRestoreRequest({ ...table, timeToLive: 'off' }, sources).timeToLive).toBe('off');
    expect(parseRestoreRequest(table, sources).timeToLive).toBeUndefined();
  });

  it('allows restoring onto the original only with overwrite: true', () => {
    expect(parseRestoreRequest({ ...ok, overwrite: true, target: { type: 's3', bucket: 'prod-assets' } }, sources).overwrite).toBe(true);
    expect(() => parseRestoreRequest({ source: 'files', backupId: ok.backupId, target: { type: 'filesystem', path: '/mnt/files/' } }, sources)).toThrow(/original directory/);
    // Repeated slashes name the same directory: the original, not a directory inside it.
    expect(() => parseRestoreRequest({ source: 'files', backupId: ok.backupId, target: { type: 'filesystem', path: '/mnt//files' } }, sources)).toThrow(/original directory/);
    expect(parseRestoreRequest({ source: 'files', backupId: ok.backupId, overwrite: true, target: { type: 'filesystem', path: '//mnt//files' } }, sources).target).toEqual({ type: 'filesystem', path: '/mnt/files' });
  });

  // Audit R41 F3: the primary runbook's catalog knows what the primary vault keeps, not what the DR vault's own retention kept.
  it('refuses a pointInTime from the other region\'s vault, pointing at backupId or the DR region\'s runbook', () => {
    const atTime = { source: 'assets', pointInTime: '2026-11-12T00:00:00Z', target: ok.target };
    expect(() => parseRestoreRequest({ ...atTime, vault: 'dr' }, sources)).toThrow(
      expect.objectContaining({
        name: 'InvalidInputError',
        message:
          'Invalid restore request: pointInTime: this runbook chooses a point in time\'s backup among those its own (primary) vault keeps, which need not be those the dr vault keeps; give "backupId" instead (lifeboat backups list --all shows the DR COPY of each), or start the DR region\'s restore runbook (lifeboat restore --from dr), whose catalog is the DR vault\'s',
      }),
    );
    // Its own vault, in either region, and a backup id from the other vault, are fine.
    expect(parseRestoreRequest(atTime, sources).vault).toBe('primary');
    expect(parseRestoreRequest({ ...atTime, vault: 'dr' }, sources, 'dr').vault).toBe('dr');
    expect(parseRestoreRequest({ ...ok, vault: 'dr' }, sources).vault).toBe('dr');
  });
});

describe('restore runbook input: what a field is and what it must be', () => {
  const files = { source: 'files', backupId: ok.backupId };
  const orders = { source: 'orders', backupId: ok.backupId };
  const refusal = (input: unknown): string => {
    try {
      parseRestoreRequest(input, sources);
    } catch (err) {
      expect(err).toMatchObject({ name: 'InvalidInputError' });
      return (err as Error).message;
    }
    throw new Error(`accepted ${JSON.stringify(input)}`);
  };
  /** An absolute path of `bytes` bytes, in names of at most 200. */
  const pathOf = (bytes: number): string => {
    let path = '/mnt';
    while (path.length < bytes) path += `/${'d'.repeat(Math.min(200, bytes - path.length - 1))}`;
    return path;
  };
  const BUCKET_RULE = 'an S3 bucket name is 3 to 63 lowercase letters, digits, dots and hyphens, begins and ends with a letter or digit, has no two dots in a row and is no IP address';
  const TABLE_RULE = 'a DynamoDB table name is 3 to 255 letters, digits, underscores, dots and hyphens';
  const SURROGATE = 'must be well-formed Unicode: it holds a lone UTF-16 surrogate (a "\\ud800" escape without its pair), which has no UTF-8 form';

  it.each([
    // A field of the wrong type says so; "is required" is for a field that is absent.
    [{ ...ok, source: 5 }, 'source: must be a string, got a number'],
    [{ ...ok, overwrite: 'true' }, 'overwrite: must be true or false, got a string'],
    [{ source: 'assets', pointInTime: 1764871000, target: ok.target }, 'pointInTime: must be a string, got a number'],
    [{ ...ok, filter: 'reports/' }, 'filter: must be an object, got a string'],
    [{ ...ok, target: [] }, 'target: must be an object, got an array'],
    [{ ...ok, target: { type: 's3' } }, 'target.bucket: is required'],
    [{ target: ok.target }, 'source: is required: the name of the protected source to restore'],
    // S3 bucket names.
    [{ ...ok, target: { type: 's3', bucket: 'lifeboat-dev-restore-UP/../x' } }, `target.bucket: is no valid S3 bucket name: it holds "U", "P" and "/"; ${BUCKET_RULE}`],
    [{ ...ok, target: { type: 's3', bucket: 'restored_assets' } }, `target.bucket: is no valid S3 bucket name: it holds "_"; ${BUCKET_RULE}`],
    [{ ...ok, target: { type: 's3', bucket: '-restored' } }, `target.bucket: is no valid S3 bucket name: it begins or ends with a dot or hyphen; ${BUCKET_RULE}`],
    [{ ...ok, target: { type: 's3', bucket: 'restored.' } }, `target.bucket: is no valid S3 bucket name: it begins or ends with a dot or hyphen; ${BUCKET_RULE}`],
    [{ ...ok, target: { type: 's3', bucket: 'restored..assets' } }, `target.bucket: is no valid S3 bucket name: it has two dots in a row; ${BUCKET_RULE}`],
    [{ ...ok, target: { type: 's3', bucket: '192.168.5.4' } }, `target.bucket: is no valid S3 bucket name: it is formatted as an IP address; ${BUCKET_RULE}`],
    // DynamoDB table names.
    [{ ...orders, target: { type: 'dynamodb', table: 'orders/restored' } }, `target.table: is no valid DynamoDB table name: it holds "/"; ${TABLE_RULE}`],
    [{ ...orders, target: { type: 'dynamodb', table: 'orders restored!' } }, `target.table: is no valid DynamoDB table name: it holds " " and "!"; ${TABLE_RULE}`],
    // Directory paths: Linux's PATH_MAX and NAME_MAX, in bytes.
    [{ ...files, target: { type: 'filesystem', path: pathOf(4096) } }, 'target.path: is 4096 bytes long in UTF-8; Linux takes paths of at most 4095 bytes (PATH_MAX, 4096, counts the closing NUL)'],
    [{ ...files, target: { type: 'filesystem', path: `/mnt/${'é'.repeat(128)}/x` } }, 'target.path: has a name of 256 bytes in UTF-8 ("éééééééééééééééé…"); Linux takes names of at most 255 bytes (NAME_MAX) between the slashes'],
    [{ ...files, target: { type: 'filesystem', path: '/mnt/restored\ud800' } }, `target.path: ${SURROGATE}`],
    // S3 key prefixes: S3's 1024-byte key limit, in bytes of UTF-8.
    [{ ...ok, target: { ...ok.target, prefix: 'é'.repeat(512) } }, "target.prefix: is 1024 bytes long in UTF-8, which leaves no room within S3's 1024-byte key limit for the keys restored under it (each restored key is the prefix followed by the object's key); use a prefix of at most 1023 bytes"],
    [{ ...ok, target: { ...ok.target, prefix: 'restored\0/' } }, 'target.prefix: must not contain a NUL byte'],
    [{ ...ok, target: { ...ok.target, prefix: 'restored\udc00/' } }, `target.prefix: ${SURROGATE}`],
    [{ ...ok, filter: { prefix: 'reports\0' } }, 'filter.prefix: must not contain a NUL byte'],
    [{ ...ok, filter: { prefix: 'r'.repeat(1025) } }, 'filter.prefix: is 1025 bytes long in UTF-8, longer than any S3 key (at most 1024 bytes), so it matches nothing; give a prefix of at most 1024 bytes'],
    [
      { ...ok, target: { ...ok.target, prefix: 'p'.repeat(600) }, filter: { prefix: 'f'.repeat(500) } },
      "target.prefix: every restored key is target.prefix (600 bytes) followed by a key starting with filter.prefix (500 bytes), together over S3's 1024-byte key limit; shorten either so that both fit in 1024 bytes",
    ],
    [{ ...files, target: { type: 'filesystem', path: '/mnt/restored' }, filter: { prefix: `docs/${'n'.repeat(256)}` } }, `filter.prefix: has a name of 256 bytes in UTF-8 ("${'n'.repeat(16)}…"); Linux takes names of at most 255 bytes (NAME_MAX) between the slashes`],
  ])('refuses %j: %s', (input, message) => {
    expect(refusal(input)).toBe(`Invalid restore request: ${message}`);
  });

  it('accepts names, paths and prefixes at the limits', () => {
    expect(parseRestoreRequest({ ...ok, target: { type: 's3', bucket: `a.b-${'c'.repeat(58)}1` } }, sources).target).toMatchObject({ bucket: `a.b-${'c'.repeat(58)}1` });
    expect(parseRestoreRequest({ ...orders, target: { type: 'dynamodb', table: `Orders_restored.v-2${'x'.repeat(236)}` } }, sources).target).toMatchObject({ type: 'dynamodb' });
    const path = pathOf(4095);
    expect(Buffer.byteLength(path)).toBe(4095);
    expect(parseRestoreRequest({ ...files, target: { type: 'filesystem', path } }, sources).target).toEqual({ type: 'filesystem', path });
    expect(parseRestoreRequest({ ...files, target: { type: 'filesystem', path: `/mnt/${'é'.repeat(127)}x` } }, sources).target.type).toBe('filesystem');
    expect(parseRestoreRequest({ ...ok, target: { ...ok.target, prefix: `${'é'.repeat(511)}x` } }, sources).target).toMatchObject({ prefix: `${'é'.repeat(511)}x` });
    const both = { ...ok, target: { ...ok.target, prefix: 'p'.repeat(524) }, filter: { prefix: 'f'.repeat(500) } };
    expect(parseRestoreRequest(both, sources).filter).toEqual({ prefix: 'f'.repeat(500) });
    expect(parseRestoreRequest({ ...ok, filter: { prefix: '😀'.repeat(256) } }, sources).filter).toEqual({ prefix: '😀'.repeat(256) });
  });
});

describe('restoring entry paths into a directory', () => {
  it('places ordinary and odd names inside the target', () => {
    expect(resolveInsideTarget('/restore', 'a/b c/%2e%2e+x.txt')).toBe('/restore/a/b c/%2e%2e+x.txt');
    expect(resolveInsideTarget('/restore', '.a/..b/c.')).toBe('/restore/.a/..b/c.');
  });

  it.each(['', '.', './'])('resolves %j, a name of the target itself, to the target', (entry) => {
    expect(resolveInsideTarget('/restore', entry)).toBe('/restore');
  });

  it.each([
    ['../etc/passwd', 'contains a ".." segment'],
    ['a/../../x', 'contains a ".." segment'],
    ['/etc/passwd', 'is an absolute path'],
    ['a\0b', 'contains a NUL byte'],
    // Audit a58B F6: normalized, these were restored onto "a/b" (or "a"), each replacing the entry restored before.
    ['a/./b', 'contains a "." segment'],
    ['./a', 'contains a "." segment'],
    ['a/.', 'contains a "." segment'],
    ['a//b', 'contains an empty segment'],
    ['a/', 'contains an empty segment'],
    ['./a//b', 'contains a "." segment'],
  ])('refuses %j: %s', (entry, reason) => {
    expect(() => resolveInsideTarget('/restore', entry)).toThrow(UnsafeEntryPathError);
    expect(() => resolveInsideTarget('/restore', entry)).toThrow(reason);
  });
});
