/** The format marker's item: one per catalog table, its own partition (lib/constructs/catalog-table.ts lists the kinds). */
export const FORMAT_MARKER_KEY = { pk: 'FORMAT', sk: 'FORMAT' } as const;

/**
 * The command that deletes a catalog's format marker, for the refusals that tell an operator to: the table's name is the
 * same in both regions, so the region is named too (a DR catalog in another account is named by its ARN, which
 * --table-name takes as well). The next backup, or a CLI that writes through the catalog, writes the marker again.
 */
export function deleteFormatMarkerCommand(table: string, region: string | undefined): string {
  return `aws dynamodb delete-item${region !== undefined ? ` --region ${region}` : ''} --table-name ${table} --key '{"pk":{"S":"FORMAT"},"sk":{"S":"FORMAT"}}'`;
}
