import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { resolveStackKeyArn, stackKeyArnPropertiesSchema } from '../deployment/stack-key-arn';
import { answerCustomResource } from '../runtime/custom-resource-protocol';

/**
 * The custom resource that pins the DR keys' ARNs at deploy time (lib/constructs/dr-key-arns.ts).
 * CloudFormation calls it and waits for the answer at ResponseURL.
 */
export const handler = async (raw: unknown): Promise<void> =>
  answerCustomResource(raw, async (event) => {
    const { Region } = stackKeyArnPropertiesSchema.parse(event.ResourceProperties);
    return resolveStackKeyArn(event, new CloudFormationClient({ region: Region }));
  });
