/**
 * A release could not read a catalog that says which of a vault's objects other held backups still need (audit c4-1):
 * that vault's S3 legal holds are kept rather than lifted blind, since a backup held in that catalog alone (the DR
 * copy held with `--only dr`) would lose them. `catalog` names it as the user knows it ("the DR catalog <table> (<region>)").
 */
export class HeldListUnreadError extends Error {
  override readonly name = 'HeldListUnreadError';
  constructor(
    readonly catalog: string,
    cause: unknown,
  ) {
    super(
      `${catalog} could not be read, so which of its vault's objects the backups held there still need is unknown: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}
