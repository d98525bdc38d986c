/**
 * A command that writes a catalog could not read or raise that catalog's format marker (item pk FORMAT, sk FORMAT):
 * denied (credentials limited to other items, e.g. a dynamodb:LeadingKeys policy from before the marker), no such
 * table, or no credentials. Its writes would go through a catalog whose format it cannot tell, so it refuses before
 * changing anything (cli/catalog-format-admission.ts). Permanent until the credentials or the target change.
 */
export class CatalogFormatMarkerUnreadableError extends Error {
  override readonly name = 'CatalogFormatMarkerUnreadableError';
  constructor(
    readonly table: string,
    readonly region: string,
    cause: Error,
  ) {
    super(
      // No table is no permission to fix: the stack is not there, or these credentials look in another account.
      cause.name === 'ResourceNotFoundException'
        ? `This command writes the catalog ${table} in ${region}, but there is no table ${table} in ${region}: is the stack deployed there, or is the catalog in another account (--dr-profile)? ` +
            `Nothing was changed (${cause.name}: ${cause.message}). Deploy the stack or give the credentials of the catalog's account, then run the command again.`
        : `This command writes the catalog ${table} in ${region}, but could not read or raise its format marker (item pk FORMAT, sk FORMAT): ${cause.name}: ${cause.message}. ` +
            'Nothing was changed. Run it with credentials that may get and update that item (dynamodb:GetItem and dynamodb:UpdateItem; a policy that limits dynamodb:LeadingKeys must allow FORMAT) ' +
            'and that reach that table (--dr-profile for a DR catalog in another account), then run the command again.',
      { cause },
    );
  }
}
