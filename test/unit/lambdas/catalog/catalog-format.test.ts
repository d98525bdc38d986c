import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { CATALOG_FORMAT, markDeployedFormat } from '../../../../lambdas/catalog/catalog-format';
import { CatalogFormatMarkerInvalidError } from '../../../../lambdas/catalog/catalog-format-marker-invalid-error';
import { CatalogFormatTooNewError } from '../../../../lambdas/catalog/catalog-format-too-new-error';
import { admitWriter } from '../../../../cli/catalog-format-admission';
import { catalogOnDynalite } from '../../../support/catalog-on-dynalite';

/**
 * The catalog's format marker on DynamoDB's semantics (dynalite): raised where absent or lower, never lowered, and a
 * writer that knows less than the marker says is refused with what to do (cli/catalog-format-admission.ts).
 */

let catalog: BackupCatalog;
let documents: DynamoDBDocumentClient;
let close: () => Promise<void>;

beforeEach(async () => {
  ({ catalog, documents, close } = await catalogOnDynalite());
});
afterEach(async () => close());

const named = (name: string, message: string = name): Error => Object.assign(new Error(message), { name });

/** A catalog whose marker answers every read and raise with `err`, recording the calls. */
const answering = (err: Error, calls: string[] = []): BackupCatalog =>
  ({
    formatMarker: () => ({
      table: 'catalog',
      read: () => (calls.push('read'), Promise.reject(err)),
      raise: () => (calls.push('raise'), Promise.reject(err)),
    }),
  }) as unknown as BackupCatalog;

/** A catalog whose marker's reads answer each of `errs` in turn, then `format`, recording the calls. */
const answeringThen = (errs: readonly Error[], format: number, calls: string[] = []): BackupCatalog =>
  ({
    formatMarker: () => ({
      table: 'catalog',
      read: () => {
        const err = errs[calls.push('read') - 1];
        return err === undefined ? Promise.resolve(format) : Promise.reject(err);
      },
      raise: () => (calls.push('raise'), Promise.reject(new Error('a catalog not written is never raised'))),
    }),
  }) as unknown as BackupCatalog;

/** Where a test that expects no warning sends them: none is expected, so any fails it. */
const noWarning = (line: string): void => {
  throw new Error(`unexpected warning: ${line}`);
};

const setFormat = (format: unknown) => documents.send(new PutCommand({ TableName: 'catalog', Item: { pk: 'FORMAT', sk: 'FORMAT', format } }));

describe('the catalog format marker', () => {
  // Audits aU1-1, aY1-1, review r57P F5: a CLI whose lifeboat scrub drops a value of the scrub record it does not know
  // wrote the damage away; the deployed format must be above such a CLI's, so that the marker refuses it.
  it.each([["otherCopy: 'unverified'", 2], ['backupsNotWorkedOut', 3], ['copiedIn and lastChecked', 4]])('is at least the format that refuses a CLI dropping a scrub record\'s %s', (_value, format) => {
    expect(CATALOG_FORMAT).toBeGreaterThanOrEqual(format);
  });

  it('is absent in a catalog no marking Lifeboat wrote: a writer is admitted and raises it to its format', async () => {
    const marker = catalog.formatMarker();
    expect(await marker.read()).toBeUndefined();
    await admitWriter([{ catalog, region: 'eu-west-1', written: true }], '0.1.0', noWarning);
    expect(await marker.read()).toBe(CATALOG_FORMAT);
  });

  it('is raised from a lower format, and never lowered', async () => {
    const marker = catalog.formatMarker();
    await setFormat(1);
    expect(await marker.raise(3)).toBe(3);
    expect(await marker.read()).toBe(3);
    expect(await marker.raise(2)).toBe(3);
    expect(await marker.read()).toBe(3);
    expect(await marker.raise(3)).toBe(3);
  });

  it('refuses a writer that knows a lower format than the marker, naming both formats, who may have raised it and what to do, and leaves the marker as it was', async () => {
    const marker = catalog.formatMarker();
    await setFormat(CATALOG_FORMAT + 1);
    const refusal = admitWriter([{ catalog, region: 'eu-west-1', written: true }], '0.1.0', noWarning);
    await expect(refusal).rejects.toThrow(CatalogFormatTooNewError);
    // Review rM F4: the marker is raised by a newer CLI as well as by a deploy, and a rollback on purpose leaves it high.
    await expect(refusal).rejects.toThrow(
      `This environment's catalog (catalog in eu-west-1) is at format ${CATALOG_FORMAT + 1}, written by a newer Lifeboat (a deploy of it, or a newer CLI); this CLI (version 0.1.0) knows format ${CATALOG_FORMAT} ` +
        `and could delete what newer versions protect. Upgrade this CLI to the version that wrote format ${CATALOG_FORMAT + 1}, then run the command again. ` +
        `If the environment was rolled back to a version of format ${CATALOG_FORMAT} on purpose, delete the marker (the next backup writes it again with the deployed format): ` +
        `aws dynamodb delete-item --region eu-west-1 --table-name catalog --key '{"pk":{"S":"FORMAT"},"sk":{"S":"FORMAT"}}' --condition-expression 'attribute_exists(pk)'`,
    );
    expect(await marker.read()).toBe(CATALOG_FORMAT + 1);
  });

  it('refuses a writer over a catalog it only reads: the format is the environment\'s, and names every catalog marked above it', async () => {
    const dr = await catalogOnDynalite();
    try {
      await setFormat(CATALOG_FORMAT + 2);
      await dr.documents.send(new PutCommand({ TableName: 'catalog', Item: { pk: 'FORMAT', sk: 'FORMAT', format: CATALOG_FORMAT + 1 } }));
      const refusal = admitWriter([{ catalog, region: 'eu-west-1', written: false }, { catalog: dr.catalog, region: 'eu-central-1', written: true }], '0.1.0', noWarning);
      await expect(refusal).rejects.toMatchObject({
        name: 'CatalogFormatTooNewError',
        found: CATALOG_FORMAT + 2,
        message: expect.stringMatching(new RegExp(`^This environment's catalogs \\(catalog in eu-west-1, catalog in eu-central-1 at format ${CATALOG_FORMAT + 1}\\) are at format ${CATALOG_FORMAT + 2},.*--region eu-west-1 .*; aws dynamodb delete-item --region eu-central-1 `)),
      });
      expect(await dr.catalog.formatMarker().read()).toBe(CATALOG_FORMAT + 1);
      // Below both: admitted, and only the catalog written is raised.
      await setFormat(CATALOG_FORMAT);
      await dr.documents.send(new DeleteCommand({ TableName: 'catalog', Key: { pk: 'FORMAT', sk: 'FORMAT' } }));
      await admitWriter([{ catalog: dr.catalog, region: 'eu-central-1', written: false }, { catalog, region: 'eu-west-1', written: true }], '0.1.0', noWarning);
      expect(await dr.catalog.formatMarker().read()).toBeUndefined();
    } finally {
      await dr.close();
    }
  });

  it('refuses a writer over a marker that is not a positive integer, naming the item and how to delete it', async () => {
    await setFormat(1.5);
    await expect(admitWriter([{ catalog, region: 'eu-west-1', written: true }], '0.1.0', noWarning)).rejects.toThrow(
      new CatalogFormatMarkerInvalidError('catalog', 'eu-west-1', 1.5),
    );
    await expect(admitWriter([{ catalog, region: 'eu-west-1', written: true }], '0.1.0', noWarning)).rejects.toThrow(
      'The catalog format marker of catalog in eu-west-1 (item pk FORMAT, sk FORMAT) holds format 1.5, not a positive integer, so whether a newer Lifeboat wrote this catalog cannot be told. ' +
        `Delete the item, which the next backup writes again with the deployed format: aws dynamodb delete-item --region eu-west-1 --table-name catalog --key '{"pk":{"S":"FORMAT"},"sk":{"S":"FORMAT"}}' --condition-expression 'attribute_exists(pk)'`,
    );
  });

  // Review r62H F3: the marker's delete lacked the condition (a delete sent to the wrong table, region or endpoint exits 0
  // as if it had worked) and, in the local cloud, went to AWS: both refusals now name it against the local cloud there.
  it('names the marker\'s delete against the local cloud when the catalog is there, conditioned', async () => {
    const local = `AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url http://127.0.0.1:4569 dynamodb delete-item --region eu-west-1 --table-name catalog --key '{"pk":{"S":"FORMAT"},"sk":{"S":"FORMAT"}}' --condition-expression 'attribute_exists(pk)'`;
    const inLocalCloud = [{ catalog, region: 'eu-west-1', written: true, localDynamoDb: 'http://127.0.0.1:4569' }];
    await setFormat(1.5);
    await expect(admitWriter(inLocalCloud, '0.1.0', noWarning)).rejects.toThrow(`Delete the item, which the next backup writes again with the deployed format: ${local}`);
    await setFormat(CATALOG_FORMAT + 1);
    await expect(admitWriter(inLocalCloud, '0.1.0', noWarning)).rejects.toThrow(new RegExp(`delete the marker \\(the next backup writes it again with the deployed format\\): ${local.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });

  // Review rM F3: the marker guards CLIs; a backup or retention run that failed on it would protect nothing.
  it.each([['2'], [CATALOG_FORMAT + 0.5], [true]])('is left as it is by the deployed workflows when it holds %p, with a warning, not a failure', async (format) => {
    await setFormat(format);
    const warnings: string[] = [];
    await markDeployedFormat(catalog.formatMarker(), (w) => warnings.push(w));
    expect(warnings).toEqual([expect.stringMatching(/^the format marker of the catalog catalog was not raised to \d+: The catalog format marker of catalog \(item pk FORMAT, sk FORMAT\) holds format /)]);
  });

  // Review rM2 F1: a throttle, a denial or a 5xx on the marker's write must not fail a backup's Plan step or a prune's Forget step.
  it('is left by the deployed workflows, with a warning naming the table and the error, when its write fails for any reason', async () => {
    const warnings: string[] = [];
    const throttled = { table: 'lifeboat-prod-catalog', raise: () => Promise.reject(named('ThrottlingException', 'Rate of requests exceeds the allowed throughput.')) };
    await expect(markDeployedFormat(throttled, (w) => warnings.push(w))).resolves.toBe(false);
    expect(warnings).toEqual([`the format marker of the catalog lifeboat-prod-catalog was not raised to ${CATALOG_FORMAT}: ThrottlingException: Rate of requests exceeds the allowed throughput.`]);
  });

  it('rejects a marker that is not a positive integer, naming the item', async () => {
    await setFormat('2');
    await expect(catalog.formatMarker().read()).rejects.toThrow(/^The catalog format marker of catalog \(item pk FORMAT, sk FORMAT\) holds format "2", not a positive integer/);
  });
});

describe('a catalog marker that cannot be looked at', () => {
  // Review rM2 F2: credentials limited to other items (dynamodb:LeadingKeys from before the marker) must not admit a
  // write through a catalog they cannot see the format of.
  it.each([['AccessDeniedException'], ['CredentialsProviderError']])('refuses a writer whose written catalog answers %s, naming the item and the permissions', async (name) => {
    const calls: string[] = [];
    const refusal = admitWriter([{ catalog: answering(named(name, 'no'), calls), region: 'eu-west-1', written: true }], '0.1.0', noWarning);
    await expect(refusal).rejects.toMatchObject({
      name: 'CatalogFormatMarkerUnreadableError',
      message: expect.stringMatching(new RegExp(`^This command writes the catalog catalog in eu-west-1, but could not read or raise its format marker \\(item pk FORMAT, sk FORMAT\\): ${name}: no\\. Nothing was changed\\. .*dynamodb:LeadingKeys must allow FORMAT`)),
    });
    expect(calls).toEqual(['read']);
  });

  // Review rX F-b: no table is no permission to grant; the message asks where the stack or the catalog is instead.
  it('refuses a writer whose written catalog has no table, asking whether the stack is deployed there or the catalog in another account', async () => {
    const refusal = admitWriter([{ catalog: answering(named('ResourceNotFoundException', 'Requested resource not found')), region: 'eu-west-1', written: true }], '0.1.0', noWarning);
    await expect(refusal).rejects.toThrow(
      'This command writes the catalog catalog in eu-west-1, but there is no table catalog in eu-west-1: is the stack deployed there, or is the catalog in another account (--dr-profile)? ' +
        'Nothing was changed (ResourceNotFoundException: Requested resource not found). Deploy the stack or give the credentials of the catalog\'s account, then run the command again.',
    );
  });

  // Review rM2 F2, F4: a catalog only read is judged by the other, also without credentials for it (--dr-profile alone).
  it.each([['AccessDeniedException'], ['ResourceNotFoundException'], ['CredentialsProviderError'], ['TokenProviderError']])('judges by the others a catalog not written that answers %s', async (name) => {
    await admitWriter([{ catalog: answering(named(name, 'Could not load credentials from any providers')), region: 'eu-west-1', written: false }, { catalog, region: 'eu-central-1', written: true }], '0.1.0', noWarning);
    expect(await catalog.formatMarker().read()).toBe(CATALOG_FORMAT);
  });

  it('judges by the others a written catalog that does not answer (its writes fail on their own), also through the SDK\'s wrapper', async () => {
    await admitWriter([{ catalog: answering(named('Error', 'AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:1')), region: 'eu-west-1', written: true }], '0.1.0', noWarning);
    await admitWriter([{ catalog: answering(named('TimeoutError', 'Connection timed out after 3000 ms')), region: 'eu-west-1', written: true }], '0.1.0', noWarning);
  });

  // Review rM2 F3: only the SDK's wrapper is read as text; a named error's message may quote anything.
  it.each([
    ['ValidationException', 'Could not connect the dots'],
    ['UnrecognizedClientException', 'The security token included in the request is invalid (socket hang up while refreshing)'],
    ['ThrottlingException', 'Rate exceeded, ETIMEDOUT'],
  ])('does not take a %s of a written catalog whose message mentions a dropped connection for one', async (name, message) => {
    await expect(admitWriter([{ catalog: answering(named(name, message)), region: 'eu-west-1', written: true }], '0.1.0', noWarning)).rejects.toMatchObject({ name, message });
  });

  // Review rX F-a: a catalog only glanced at gets one attempt; one transient 500 of the other region, or a degraded
  // primary in the primary-down runbook, must not refuse a DR-side write. Said on stderr, and the write goes on.
  it.each([
    ['InternalServerError', 'Internal server error', 3],
    ['ServiceUnavailable', 'Service Unavailable', 3],
    ['ThrottlingException', 'Rate of requests exceeds the allowed throughput.', 3],
    ['ExpiredTokenException', 'The security token included in the request is expired', 1],
    ['UnrecognizedClientException', 'The security token included in the request is invalid.', 1],
  ])('admits a writer whose catalog not written answers %s, with a warning naming the table, region and error', async (name, message, reads) => {
    const warnings: string[] = [];
    const calls: string[] = [];
    await admitWriter([{ catalog: answering(named(name, message), calls), region: 'eu-west-1', written: false }, { catalog, region: 'eu-central-1', written: true }], '0.1.0', (w) => warnings.push(w), [0, 0]);
    expect(warnings).toEqual([`warning: the format marker of the catalog catalog in eu-west-1 could not be read (${name}: ${message}); judging the environment's format by the other catalog`]);
    expect(await catalog.formatMarker().read()).toBe(CATALOG_FORMAT);
    // Review rZ2 F1: a throttle or a 5xx is the region answering, asked twice more; a token's answer is final.
    expect(calls).toEqual(Array<string>(reads).fill('read'));
  });

  // Review rZ2 F1: one throttle (or 5xx) of a glanced catalog skipped it, so an old CLI's `forget --vault dr` was
  // admitted past a primary marker above its format. Asked again, the marker refuses it.
  it.each([
    ['a ThrottlingException', named('ThrottlingException', 'Rate of requests exceeds the allowed throughput.')],
    ['a 503 the SDK could not name', Object.assign(named('UnknownError', 'Service Unavailable'), { $metadata: { httpStatusCode: 503 } })],
  ])('refuses a writer whose catalog not written answers %s once, then a marker above the format', async (_answer, err) => {
    const calls: string[] = [];
    const admission = admitWriter([{ catalog: answeringThen([err], CATALOG_FORMAT + 1, calls), region: 'eu-west-1', written: false }, { catalog, region: 'eu-central-1', written: true }], '0.1.0', noWarning);
    await expect(admission).rejects.toThrow(CatalogFormatTooNewError);
    expect(calls).toEqual(['read', 'read']);
    expect(await catalog.formatMarker().read()).toBeUndefined();
  });

  it('asks a catalog not written that does not answer once: the primary-down runbook waits for its silence once', async () => {
    const calls: string[] = [];
    await admitWriter([{ catalog: answering(named('TimeoutError', 'Connection timed out after 3000 ms'), calls), region: 'eu-west-1', written: false }, { catalog, region: 'eu-central-1', written: true }], '0.1.0', noWarning);
    expect(calls).toEqual(['read']);
  });

  it('still refuses a writer whose catalog not written holds an invalid marker, and fails on a written catalog\'s 500', async () => {
    const dr = await catalogOnDynalite();
    try {
      await setFormat(1.5);
      await expect(admitWriter([{ catalog, region: 'eu-west-1', written: false }, { catalog: dr.catalog, region: 'eu-central-1', written: true }], '0.1.0', noWarning)).rejects.toThrow(CatalogFormatMarkerInvalidError);
      expect(await dr.catalog.formatMarker().read()).toBeUndefined();
    } finally {
      await dr.close();
    }
    await expect(admitWriter([{ catalog: answering(named('InternalServerError')), region: 'eu-west-1', written: true }], '0.1.0', noWarning)).rejects.toMatchObject({ name: 'InternalServerError' });
  });

  it.each([['ETIMEDOUT'], ['socket hang up']])('refuses a marker holding %j as invalid, not as a catalog that did not answer', async (format) => {
    await setFormat(format);
    await expect(admitWriter([{ catalog, region: 'eu-west-1', written: true }], '0.1.0', noWarning)).rejects.toThrow(CatalogFormatMarkerInvalidError);
  });
});
