import { checkIamActions } from '../../../local/assembly/deploy-checks/iam-action-check';
import { loadIamActionCatalog } from '../../../local/assembly/deploy-checks/iam-action-catalog';
import { policyActions } from '../../../local/assembly/deploy-checks/policy-documents';
import { fixtureStack } from './stack-fixture';

const allow = (actions: string | string[], extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Action: actions, Resource: '*', ...extra });

/** Every kind of document the check must find, each with good actions and (where named) bad ones. */
const stack = fixtureStack({
  FnPolicy: {
    Type: 'AWS::IAM::Policy',
    Properties: { PolicyName: 'fn', Roles: ['r'], PolicyDocument: { Version: '2012-10-17', Statement: [allow(['s3:GetObject*', 'kms:ReEncrypt*', 'xray:PutTraceSegments']), allow(['s3:GetObjectt', 'kms:Decrypt'], { Sid: 'ReadVault' })] } },
  },
  FnRole: {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] },
      Policies: [{ PolicyName: 'inline', PolicyDocument: { Statement: allow('stepfunctions:StartExecution') } }],
    },
  },
  Managed: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Statement: [allow('*'), allow('s3:Frobnicate*'), { Effect: 'Deny', NotAction: 'dynamodb:Scann', Resource: '*' }] } } },
  VaultPolicy: { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: 'b', PolicyDocument: { Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: '*' }, { Effect: 'Allow', Principal: { AWS: '*' }, Action: '*', Resource: '*' }] } } },
  Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'kms:*', Resource: '*' }, allow('kms:Decrypted')] } } },
  Permission: { Type: 'AWS::Lambda::Permission', Properties: { Action: 'lambda:InvokeFunction', FunctionName: 'f', Principal: 'events.amazonaws.com' } },
  Queue: { Type: 'AWS::SQS::QueuePolicy', Properties: { Queues: ['q'], PolicyDocument: { Statement: [allow('sqs:SendMessage'), allow('SendMessage')] } } },
});

describe('the IAM action check', () => {
  it('finds the actions of every kind of policy document, with their paths', () => {
    const found = policyActions([stack]);
    expect(found.map((a) => `${a.logicalId} ${a.kind} ${a.path} ${a.action}`)).toEqual([
      'FnPolicy identity Properties.PolicyDocument.Statement[0].Action[0] s3:GetObject*',
      'FnPolicy identity Properties.PolicyDocument.Statement[0].Action[1] kms:ReEncrypt*',
      'FnPolicy identity Properties.PolicyDocument.Statement[0].Action[2] xray:PutTraceSegments',
      'FnPolicy identity Properties.PolicyDocument.Statement[1].Action[0] s3:GetObjectt',
      'FnPolicy identity Properties.PolicyDocument.Statement[1].Action[1] kms:Decrypt',
      'FnRole trust Properties.AssumeRolePolicyDocument.Statement[0].Action[0] sts:AssumeRole',
      'FnRole trust Properties.AssumeRolePolicyDocument.Statement[0].Action[1] sts:TagSession',
      'FnRole identity Properties.Policies[0].PolicyDocument.Statement.Action stepfunctions:StartExecution',
      'Managed identity Properties.PolicyDocument.Statement[0].Action *',
      'Managed identity Properties.PolicyDocument.Statement[1].Action s3:Frobnicate*',
      'Managed identity Properties.PolicyDocument.Statement[2].NotAction dynamodb:Scann',
      'VaultPolicy resource Properties.PolicyDocument.Statement[0].Action s3:*',
      'VaultPolicy resource Properties.PolicyDocument.Statement[1].Action *',
      'Key resource Properties.KeyPolicy.Statement[0].Action kms:*',
      'Key resource Properties.KeyPolicy.Statement[1].Action kms:Decrypted',
      'Permission resource Properties.Action lambda:InvokeFunction',
      'Queue resource Properties.PolicyDocument.Statement[0].Action sqs:SendMessage',
      'Queue resource Properties.PolicyDocument.Statement[1].Action SendMessage',
    ]);
  });

  it('reports a misspelt action, an unknown service prefix, a pattern matching nothing and "*" outside identity policies, naming each and where it is', async () => {
    const actions = policyActions([stack]);
    const catalog = await loadIamActionCatalog(actions);
    const findings = checkIamActions(actions, catalog);
    const source = catalog.source;
    expect(source).toMatch(/^@cloud-copilot\/iam-data \d+\.\d+\.\d+$/);
    expect(findings).toEqual([
      {
        stack: 'Fixture',
        logicalId: 'FnPolicy',
        path: 'Properties.PolicyDocument.Statement[1].Action[0]',
        message: `AWS::IAM::Policy statement 1 (Sid "ReadVault"): unknown action "s3:GetObjectt": service "s3" has no action "GetObjectt" (${source})`,
      },
      {
        stack: 'Fixture',
        logicalId: 'FnRole',
        path: 'Properties.Policies[0].PolicyDocument.Statement.Action',
        message: `AWS::IAM::Role statement 0: action "stepfunctions:StartExecution": unknown service prefix "stepfunctions" (not in ${source})`,
      },
      { stack: 'Fixture', logicalId: 'Managed', path: 'Properties.PolicyDocument.Statement[1].Action', message: `AWS::IAM::ManagedPolicy statement 1: action pattern "s3:Frobnicate*" matches no action of service "s3" (${source})` },
      { stack: 'Fixture', logicalId: 'Managed', path: 'Properties.PolicyDocument.Statement[2].NotAction', message: `AWS::IAM::ManagedPolicy statement 2: unknown action "dynamodb:Scann": service "dynamodb" has no action "Scann" (${source})` },
      { stack: 'Fixture', logicalId: 'VaultPolicy', path: 'Properties.PolicyDocument.Statement[1].Action', message: 'AWS::S3::BucketPolicy statement 1: action "*" (every action of every service) in a resource policy: name the actions' },
      { stack: 'Fixture', logicalId: 'Key', path: 'Properties.KeyPolicy.Statement[1].Action', message: `AWS::KMS::Key statement 1: unknown action "kms:Decrypted": service "kms" has no action "Decrypted" (${source})` },
      { stack: 'Fixture', logicalId: 'Queue', path: 'Properties.PolicyDocument.Statement[1].Action', message: 'AWS::SQS::QueuePolicy statement 1: action "SendMessage" is not of the form <service prefix>:<action>' },
    ]);
  });

  it('reports an action with no resource-level permissions that a statement allows on named resources only: IAM never matches it there', async () => {
    const machine = { Ref: 'RestoreStateMachine' };
    const approver = fixtureStack({
      ApproverPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'approver',
          Roles: ['approver'],
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: ['states:SendTaskSuccess', 'states:DescribeExecution'], Resource: machine },
              { Effect: 'Allow', Action: ['states:SendTaskFailure', 'states:SendTaskHeartbeat'], Resource: ['*'] },
              // A Deny on named resources denies nothing of such an action, but grants nothing by mistake: not this check's business.
              { Effect: 'Deny', Action: 'states:SendTaskSuccess', Resource: machine },
            ],
          },
        },
      },
      // A resource policy's statements apply to its own resource: no Resource to judge.
      Topic: { Type: 'AWS::SNS::TopicPolicy', Properties: { Topics: ['t'], PolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sns:Publish', Resource: 't' }] } } },
    });
    const actions = policyActions([approver]);
    const catalog = await loadIamActionCatalog(actions);
    expect(checkIamActions(actions, catalog)).toEqual([
      {
        stack: 'Fixture',
        logicalId: 'ApproverPolicy',
        path: 'Properties.PolicyDocument.Statement[0].Action[0]',
        message: `AWS::IAM::Policy statement 0: action "states:SendTaskSuccess" supports no resource-level permissions, so IAM matches it only in a statement with Resource "*": this statement names resources and grants it nothing (${catalog.source})`,
      },
    ]);
  });
});
