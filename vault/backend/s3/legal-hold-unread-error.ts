import { VaultError } from '../../vault-errors';

/**
 * S3VaultStore.replace wrote the new copy, but could not read the damaged copy's legal hold to carry it: IAM refused
 * GetObjectLegalHold (an operator's credentials without it, refused whether or not the bucket has Object Lock) in a
 * bucket with Object Lock, or one whose lock configuration could not be read either. The write is done, so the repair
 * stands; the caller says that a hold that copy may have had is not on the new one (the scrub's finding says how to set
 * it again, with the run's own target options: scrub-repairs.ts).
 */
export class LegalHoldUnreadError extends VaultError {
  override name = 'LegalHoldUnreadError';
  constructor(
    readonly location: string,
    readonly key: string,
  ) {
    super(`${location}: object ${key} was written over, but its legal hold could not be read (AccessDenied: s3:GetObjectLegalHold), so the new copy has none`);
  }
}
