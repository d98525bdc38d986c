import { type CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { z } from 'zod';
import { type CustomResourceEvent, type CustomResourceResult } from '../runtime/custom-resource-protocol';

export const stackKeyArnPropertiesSchema = z.object({
  /** The stack that created the key (the DR stack). */
  StackName: z.string().min(1),
  /** The key's logical id in that stack. */
  LogicalResourceId: z.string().min(1),
  /** The stack's region. */
  Region: z.string().min(1),
  /** The stack's account (the local cloud's resolution reads it; in AWS the stack id says it). */
  Account: z.string().optional(),
  /** A role of the DR stack's account to describe it with, when that account is not the function's. */
  RoleArn: z.string().startsWith('arn:').optional(),
});

/** The named resource of the named stack is not a KMS key that exists: the stacks were deployed out of order or renamed. */
export class StackKeyNotFoundError extends Error {
  override readonly name = 'StackKeyNotFoundError';
}

const SETTLED = /_COMPLETE$/;

/**
 * The ARN of a KMS key another stack created, read from CloudFormation once, at deploy time
 * (docs/SECURITY.md, "The DR key by ARN"). The primary stack's functions are then granted, and use,
 * exactly that key: moving the key's alias afterwards changes nothing. The key is found by its stack and
 * logical id rather than by its alias, so only an update of that stack can change which key it is.
 */
export async function resolveStackKeyArn(event: CustomResourceEvent, cloudFormation: CloudFormationClient): Promise<CustomResourceResult> {
  const props = stackKeyArnPropertiesSchema.parse(event.ResourceProperties);
  const physicalId = `${props.StackName}/${props.LogicalResourceId}`;
  // Nothing to undo: the lookup created nothing.
  if (event.RequestType === 'Delete') return { physicalId: event.PhysicalResourceId ?? physicalId };
  const where = `stack ${props.StackName} (${props.Region}), resource ${props.LogicalResourceId}`;
  const detail = await cloudFormation.send(new DescribeStackResourceCommand({ StackName: props.StackName, LogicalResourceId: props.LogicalResourceId })).then(
    (r) => r.StackResourceDetail,
    (err: unknown) => {
      throw new StackKeyNotFoundError(`${where}: ${err instanceof Error ? err.message : String(err)}; deploy the DR stack before this one`, { cause: err });
    },
  );
  if (!detail) throw new StackKeyNotFoundError(`${where}: CloudFormation returned no resource`);
  if (detail.ResourceType !== 'AWS::KMS::Key') throw new StackKeyNotFoundError(`${where} is a ${detail.ResourceType ?? 'resource of unknown type'}, not an AWS::KMS::Key`);
  const keyId = detail.PhysicalResourceId;
  if (!keyId || !SETTLED.test(detail.ResourceStatus ?? '') || detail.ResourceStatus?.startsWith('DELETE')) {
    throw new StackKeyNotFoundError(`${where} is ${detail.ResourceStatus ?? 'in no known state'}; deploy the DR stack until it completes`);
  }
  // arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id>: the key lives in the stack's partition and account.
  const [, partition, , , account] = (detail.StackId ?? '').split(':');
  if (!partition || !account) throw new StackKeyNotFoundError(`${where}: CloudFormation returned no usable stack id (${detail.StackId ?? 'none'})`);
  return { physicalId, data: { Arn: `arn:${partition}:kms:${props.Region}:${account}:key/${keyId}` } };
}
