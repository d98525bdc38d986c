import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { CATALOG_FORMAT } from '../../../../lambdas/catalog/catalog-format';
import { CatalogFormatTooNewError } from '../../../../lambdas/catalog/catalog-format-too-new-error';
import { catalogOnDynalite } from '../../../support/catalog-on-dynalite';

/**
 * The catalog's format marker on DynamoDB's semantics (dynalite): raised where absent or lower, never lowered, and a
 * writer that knows less than the marker says is refused with what to do.
 */

let catalog: BackupCatalog;
let documents: DynamoDBDocumentClient;
let close: () => Promise<void>;

beforeEach(async () => {
  ({ catalog, documents, close } = await catalogOnDynalite());
});
afterEach(async () => close());

const setFormat = (format: unknown) => documents.send(new PutCommand({ TableName: 'catalog', Item: { pk: 'FORMAT', sk: 'FORMAT', format } }));

describe('the catalog format marker', () => {
  it('is absent in a catalog no marking Lifeboat wrote: a writer is admitted and raises it to its format', async () => {
    const marker = catalog.formatMarker();
    expect(await marker.read()).toBeUndefined();
    await marker.admitWriter(CATALOG_FORMAT, '0.1.0');
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

  it('refuses a writer that knows a lower format than the marker, naming both formats and what to do, and leaves the marker as it was', async () => {
    const marker = catalog.formatMarker();
    await setFormat(CATALOG_FORMAT + 1);
    const refusal = marker.admitWriter(CATALOG_FORMAT, '0.1.0');
    await expect(refusal).rejects.toThrow(CatalogFormatTooNewError);
    await expect(refusal).rejects.toThrow(
      `This environment's catalog (catalog) is at format ${CATALOG_FORMAT + 1}, written by a newer Lifeboat; this CLI (version 0.1.0) knows format ${CATALOG_FORMAT} and could delete what newer versions protect. ` +
        'Upgrade the CLI to the version deployed, then run the command again.',
    );
    expect(await marker.read()).toBe(CATALOG_FORMAT + 1);
  });

  it('rejects a marker that is not a positive integer, naming the item', async () => {
    await setFormat('2');
    await expect(catalog.formatMarker().read()).rejects.toThrow(/^Catalog item FORMAT \/ FORMAT in table catalog is not a valid catalog item: format is "2", not a positive integer/);
  });
});
