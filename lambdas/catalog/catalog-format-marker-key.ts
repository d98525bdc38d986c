import { catalogItemDeleteCommand } from './catalog-item-delete-command';

/** The format marker's item: one per catalog table, its own partition (lib/constructs/catalog-table.ts lists the kinds). */
export const FORMAT_MARKER_KEY = { pk: 'FORMAT', sk: 'FORMAT' } as const;

/**
 * The command that deletes a catalog's format marker, for the refusals that tell an operator to: the table's name is the
 * same in both regions, so the region is named too (a DR catalog in another account is named by its ARN, which
 * --table-name takes as well). The next backup, or a CLI that writes through the catalog, writes the marker again.
 * Conditioned as every printed delete (catalogItemDeleteCommand): one sent to the wrong table, region or endpoint fails
 * instead of exiting 0 (review r62H F3). `awsCli`: `aws`, or the AWS CLI pointed at the local cloud (localCloudAwsCli).
 */
export function deleteFormatMarkerCommand(table: string, region: string | undefined, awsCli = 'aws'): string {
  return catalogItemDeleteCommand({ region, table, key: FORMAT_MARKER_KEY }, awsCli);
}
