import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { resolveStackKeyArn, stackKeyArnPropertiesSchema } from '../deployment/stack-key-arn';
import { answerCustomResource } from '../runtime/custom-resource-protocol';

/**
 * The custom resource that pins the DR keys' ARNs at deploy time (lib/constructs/dr-key-arns.ts).
 * CloudFormation calls it and waits for the answer at ResponseURL. A DR stack in another account is
 * described through the reader role that stack holds.
 */
export const handler = async (raw: unknown): Promise<void> =>
  answerCustomResource(raw, async (event) => {
    const { Region, RoleArn } = stackKeyArnPropertiesSchema.parse(event.ResourceProperties);
    if (RoleArn === undefined) return resolveStackKeyArn(event, new CloudFormationClient({ region: Region }));
    const { Credentials: c } = await new STSClient({ region: process.env.AWS_REGION }).send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'lifeboat-dr-key-lookup' }));
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`sts:AssumeRole of ${RoleArn} returned no credentials`);
    const credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}) };
    return resolveStackKeyArn(event, new CloudFormationClient({ region: Region, credentials }));
  });
