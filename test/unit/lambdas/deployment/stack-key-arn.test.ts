import { type CloudFormationClient, DescribeStackResourceCommand, type DescribeStackResourceCommandOutput, type ResourceStatus } from '@aws-sdk/client-cloudformation';
import { resolveStackKeyArn, StackKeyNotFoundError } from '../../../../lambdas/deployment/stack-key-arn';
import { type CustomResourceEvent } from '../../../../lambdas/runtime/custom-resource-protocol';

const STACK_ID = 'arn:aws:cloudformation:us-west-2:111122223333:stack/Lifeboat-dev-DR/0a1b2c3d-aaaa-bbbb-cccc-000000000000';
const properties = { StackName: 'Lifeboat-dev-DR', LogicalResourceId: 'DefaultReplicaVaultKeyABC123', Region: 'us-west-2' };

/** A CloudFormation client that answers DescribeStackResource with `answer` and records what it was asked. */
function cloudFormation(answer: () => Promise<Partial<DescribeStackResourceCommandOutput>>) {
  const asked: unknown[] = [];
  const client = {
    send: async (command: unknown) => {
      if (!(command instanceof DescribeStackResourceCommand)) throw new Error('unexpected command');
      asked.push(command.input);
      return answer();
    },
  } as unknown as CloudFormationClient;
  return { client, asked };
}

const event = (requestType: CustomResourceEvent['RequestType']): CustomResourceEvent => ({ RequestType: requestType, ResourceType: 'Custom::LifeboatKeyArn', ResourceProperties: properties });
const key = (status: ResourceStatus, type = 'AWS::KMS::Key') => async (): Promise<Partial<DescribeStackResourceCommandOutput>> => ({
  StackResourceDetail: { StackId: STACK_ID, StackName: 'Lifeboat-dev-DR', LogicalResourceId: properties.LogicalResourceId, PhysicalResourceId: '1234abcd-12ab-34cd-56ef-1234567890ab', ResourceType: type, ResourceStatus: status, LastUpdatedTimestamp: new Date() },
});

it('answers the ARN of the key the DR stack created, in that stack\'s partition, account and region', async () => {
  for (const requestType of ['Create', 'Update'] as const) {
    const { client, asked } = cloudFormation(key('UPDATE_COMPLETE'));
    const result = await resolveStackKeyArn(event(requestType), client);
    expect(result).toEqual({ physicalId: 'Lifeboat-dev-DR/DefaultReplicaVaultKeyABC123', data: { Arn: 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' } });
    expect(asked).toEqual([{ StackName: 'Lifeboat-dev-DR', LogicalResourceId: 'DefaultReplicaVaultKeyABC123' }]);
  }
});

it('reads nothing on Delete: the lookup created nothing', async () => {
  const { client, asked } = cloudFormation(key('CREATE_COMPLETE'));
  await expect(resolveStackKeyArn({ ...event('Delete'), PhysicalResourceId: 'Lifeboat-dev-DR/DefaultReplicaVaultKeyABC123' }, client)).resolves.toEqual({ physicalId: 'Lifeboat-dev-DR/DefaultReplicaVaultKeyABC123' });
  expect(asked).toEqual([]);
});

it('refuses a resource that is not a KMS key, a key not yet (or no longer) complete, and a stack CloudFormation does not know, naming the stack and resource', async () => {
  const cases: [() => Promise<Partial<DescribeStackResourceCommandOutput>>, RegExp][] = [
    [key('CREATE_COMPLETE', 'AWS::S3::Bucket'), /stack Lifeboat-dev-DR \(us-west-2\), resource DefaultReplicaVaultKeyABC123 is a AWS::S3::Bucket, not an AWS::KMS::Key/],
    [key('CREATE_IN_PROGRESS'), /is CREATE_IN_PROGRESS; deploy the DR stack until it completes/],
    [key('DELETE_COMPLETE'), /is DELETE_COMPLETE/],
    [() => Promise.reject(new Error('Stack with id Lifeboat-dev-DR does not exist')), /Stack with id Lifeboat-dev-DR does not exist; deploy the DR stack before this one/],
  ];
  for (const [answer, message] of cases) {
    const { client } = cloudFormation(answer);
    const failure = resolveStackKeyArn(event('Create'), client);
    await expect(failure).rejects.toThrow(StackKeyNotFoundError);
    await expect(failure).rejects.toThrow(message);
  }
});

it('refuses properties without a stack, key or region', async () => {
  const { client } = cloudFormation(key('CREATE_COMPLETE'));
  await expect(resolveStackKeyArn({ ...event('Create'), ResourceProperties: { StackName: 'Lifeboat-dev-DR', Region: 'us-west-2' } }, client)).rejects.toThrow(/LogicalResourceId/);
});
