import { type SSESpecification, type Tag } from '@aws-sdk/client-dynamodb';
import { type TableProtection } from '../sources/dynamodb-table-protection';

/**
 * What a table created by a restore gets, decided from its source's protection (docs/RUNBOOKS.md,
 * "What a restored table gets"; issue 13, item 7):
 *
 * - encryption: the source's. A KMS key of the target's region and account is used as it is (the
 *   customer managed key, or the AWS managed key `aws/dynamodb`, which DescribeTable names the same
 *   way); a key of another region cannot encrypt there (KMS keys are regional), so a restore in the
 *   DR region, from a source in the primary, gets that region's AWS managed key `aws/dynamodb`: still
 *   KMS encryption, visible in CloudTrail and usable by every role of the account that may use the
 *   table, which the applications that fail over need, where Lifeboat's own keys are for its roles
 *   only. An AWS owned key stays the AWS owned key.
 * - point-in-time recovery (and its recovery period) and deletion protection when the source had them;
 * - the source's tags.
 *
 * Scratch tables (drills) keep encryption and tags but get neither deletion protection, which would
 * stop the drill's cleanup from deleting them, nor point-in-time recovery, which costs per GB-month
 * for a table that lives minutes. A source recorded without protection (a backup older than the
 * record, and no live source to read) gives the defaults of CreateTable, and the decision says so.
 */
export type RestoredTableProtection = {
  sse?: SSESpecification;
  deletionProtection: boolean;
  pointInTimeRecovery?: { recoveryPeriodInDays?: number };
  tags: Tag[];
  /** Where the table is less protected than its source, and why: logged by the plan step. */
  notes: string[];
};

export type RestoredTablePlace = {
  /** The region of the function that creates the table. */
  region: string;
  /** Its account, when known (LIFEBOAT_ACCOUNT). */
  account?: string | undefined;
  /** Drill scratch tables: no deletion protection, no point-in-time recovery. */
  scratch: boolean;
};

function arnParts(arn: string): { region: string; account: string } | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' && parts[2] === 'kms' ? { region: parts[3] ?? '', account: parts[4] ?? '' } : undefined;
}

export function restoredTableProtection(source: TableProtection | undefined, place: RestoredTablePlace): RestoredTableProtection {
  if (!source) {
    return { deletionProtection: false, tags: [], notes: ["the backup records no protection of the source table (it predates the record): the table has DynamoDB's defaults (AWS owned key, no point-in-time recovery, no deletion protection, no tags)"] };
  }
  const notes: string[] = [];
  let sse: SSESpecification | undefined;
  if (source.encryption.type === 'KMS') {
    const key = arnParts(source.encryption.kmsKeyArn);
    const usable = key !== undefined && key.region === place.region && (place.account === undefined || key.account === place.account);
    if (usable) {
      sse = { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: source.encryption.kmsKeyArn };
    } else {
      sse = { Enabled: true, SSEType: 'KMS' };
      notes.push(`the source's KMS key ${source.encryption.kmsKeyArn} is not a key of ${place.region}${place.account ? ` in account ${place.account}` : ''}: the table is encrypted with the AWS managed key aws/dynamodb of ${place.region} instead`);
    }
  }
  const pitr = source.pointInTimeRecovery;
  return {
    ...(sse ? { sse } : {}),
    deletionProtection: source.deletionProtection && !place.scratch,
    ...(pitr.enabled && !place.scratch ? { pointInTimeRecovery: pitr.recoveryPeriodInDays !== undefined ? { recoveryPeriodInDays: pitr.recoveryPeriodInDays } : {} } : {}),
    tags: source.tags,
    notes,
  };
}
