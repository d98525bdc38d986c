import { VaultError } from '../../vault-errors';

/**
 * S3VaultStore.replace wrote the new copy, but could not read the damaged copy's legal hold to carry it: IAM refused
 * GetObjectLegalHold (an operator's credentials without it, refused whether or not the bucket has Object Lock). The
 * write is done, so the repair stands; the caller passes `note` on, for a hold that copy may have had is not on the
 * new one.
 */
export class LegalHoldUnreadError extends VaultError {
  override name = 'LegalHoldUnreadError';
  /** What the repair's finding says: the hold the new copy may lack, and how to set it. */
  readonly note: string;
  constructor(
    readonly location: string,
    readonly key: string,
  ) {
    const note =
      'its legal hold could not be read (AccessDenied: s3:GetObjectLegalHold), so the repaired copy has none: if the damaged copy was held, set the hold again (`lifeboat backups hold <backupId> --reason …` for each held backup whose data it holds)';
    super(`${location}: object ${key} was written over, but ${note}`);
    this.note = note;
  }
}
