import { errorAsText } from '../runtime/error-as-text';

/** Who needed the thawed pack: the message says what to do next. */
export type ThawNeededBy = 'restore' | 'replication';

const NEXT_STEP: Record<ThawNeededBy, string> = {
  restore: "The restore needs this archived pack; check the vault bucket's permissions and the object's storage class, then start the restore again",
  replication:
    "Replication to the DR vault needs this archived pack of the primary vault; check the primary vault bucket's permissions (the replicate function's s3:RestoreObject on data/*) and the object's storage class; the next backup's replication copies what the DR vault still lacks",
};

/** S3 refused to thaw (RestoreObject) an archived pack a restore or a replication needs: names the object and S3's answer. */
export class ThawFailedError extends Error {
  override readonly name = 'ThawFailedError';
  constructor(
    readonly location: string,
    readonly key: string,
    readonly tier: string,
    cause: unknown,
    readonly neededBy: ThawNeededBy = 'restore',
  ) {
    super(`Thawing ${location}/${key} (RestoreObject, ${tier} retrieval) failed: ${errorAsText(cause)}. ${NEXT_STEP[neededBy]}`, { cause });
  }
}
