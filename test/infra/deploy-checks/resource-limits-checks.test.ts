import { checkLambdaLimits } from '../../../local/assembly/deploy-checks/lambda-limits-check';
import { checkLogGroupLimits } from '../../../local/assembly/deploy-checks/log-group-limits-check';
import { checkPhysicalNames } from '../../../local/assembly/deploy-checks/physical-name-check';
import { checkSchedules, scheduleExpressionProblem } from '../../../local/assembly/deploy-checks/schedule-check';
import { checkTemplateLimits } from '../../../local/assembly/deploy-checks/template-limits-check';
import { type DeployCheckFinding, formatFindings } from '../../../local/assembly/deploy-checks/deploy-check-finding';
import { fixtureStack } from './stack-fixture';

const lines = (findings: DeployCheckFinding[]) => formatFindings(findings).split('\n').filter(Boolean);
const lambda = (properties: Record<string, unknown>) => ({ Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs24.x', MemorySize: 1024, Timeout: 60, ...properties } });

describe('the Lambda limits check', () => {
  it('accepts a function within every limit, and one whose sizes are left to Lambda', () => {
    expect(checkLambdaLimits([fixtureStack({ Fn: lambda({ EphemeralStorage: { Size: 512 }, ReservedConcurrentExecutions: 5, Environment: { Variables: { LIFEBOAT_HANDLER: 'x' } } }), Bare: lambda({ MemorySize: undefined, Timeout: undefined }) })])).toEqual([]);
  });

  it('reports memory, timeout and ephemeral storage out of range, and a runtime we do not deploy', () => {
    const stack = fixtureStack({
      Small: lambda({ MemorySize: 64, Timeout: 0, EphemeralStorage: { Size: 256 } }),
      Large: lambda({ MemorySize: '10241', Timeout: 901, EphemeralStorage: { Size: 20_000 }, Runtime: 'nodejs18.x' }),
    });
    expect(lines(checkLambdaLimits([stack]))).toEqual([
      'Fixture/Small Properties.MemorySize: is 64 MB; Lambda allows 128 to 10240 MB',
      'Fixture/Small Properties.Timeout: is 0 seconds; Lambda allows 1 to 900 seconds',
      'Fixture/Small Properties.EphemeralStorage.Size: is 256 MB; Lambda allows 512 to 10240 MB',
      'Fixture/Large Properties.MemorySize: is 10241 MB; Lambda allows 128 to 10240 MB',
      'Fixture/Large Properties.Timeout: is 901 seconds; Lambda allows 1 to 900 seconds',
      'Fixture/Large Properties.EphemeralStorage.Size: is 20000 MB; Lambda allows 512 to 10240 MB',
      'Fixture/Large Properties.Runtime: is "nodejs18.x"; Lifeboat\'s functions run on nodejs22.x or nodejs24.x',
    ]);
  });

  it('reports reserved concurrency that cannot be granted, reserved or oversized environments and a mount Lambda refuses', () => {
    const stack = fixtureStack({
      Zero: lambda({ ReservedConcurrentExecutions: 0 }),
      Greedy: lambda({ ReservedConcurrentExecutions: 600 }),
      Greedier: lambda({ ReservedConcurrentExecutions: 400 }),
      Env: lambda({ Environment: { Variables: { AWS_REGION: 'eu-west-1', '1BAD': 'x', BIG: 'x'.repeat(4090) } } }),
      Mounted: lambda({ FileSystemConfigs: [{ Arn: 'arn', LocalMountPath: '/data/files' }] }),
    });
    expect(lines(checkLambdaLimits([stack]))).toEqual([
      'Fixture/Zero Properties.ReservedConcurrentExecutions: is 0, which throttles every invocation: remove it or reserve at least 1',
      'Fixture/Env Properties.Environment.Variables.AWS_REGION: "AWS_REGION" is reserved by the Lambda runtime and cannot be set',
      'Fixture/Env Properties.Environment.Variables.1BAD: "1BAD" is not a valid variable name for Lambda ([a-zA-Z][a-zA-Z0-9_]+)',
      'Fixture/Env Properties.Environment.Variables: take about 4136 bytes as Lambda measures them (the JSON of the variables); Lambda allows 4096 for all of a function\'s variables together',
      'Fixture/Mounted Properties.FileSystemConfigs[0].LocalMountPath: is "/data/files"; Lambda mounts only at /mnt/<name> (letters, digits, - _ .)',
      'Fixture/Zero Properties.ReservedConcurrentExecutions: the functions of account/region 111111111111/eu-west-1 reserve 1000 concurrent executions together (Zero, Greedy, Greedier); at most 900 fit the default quota',
    ]);
  });

  it('measures an environment as Lambda does: its JSON, quotes inside a value escaped, and a KMS key ARN with the 36-character key id of AWS', () => {
    // 2,720 bytes of names and values, 4,068 as JSON with the key's local id (key/Key): over 4,096 only as Lambda counts both.
    const stack = fixtureStack({
      Key: { Type: 'AWS::KMS::Key', Properties: {} },
      Fn: lambda({ Environment: { Variables: { PLANS: '"x'.repeat(1335), KEY: { 'Fn::GetAtt': ['Key', 'Arn'] } } } }),
    });
    expect(lines(checkLambdaLimits([stack]))).toEqual([
      'Fixture/Fn Properties.Environment.Variables: take about 4101 bytes as Lambda measures them (the JSON of the variables); Lambda allows 4096 for all of a function\'s variables together',
    ]);
  });

  it('measures a bucket or table CloudFormation names at deploy as long as its generated name will be, not as the local cloud names it (review r7-1)', () => {
    // In AWS: fixture-media-<13> (27), Fixture-Orders-<13> (28) and that table's ARN (74): 4,101 bytes. The local
    // cloud's names (fixture-media-<8-hex hash>, Fixture-Orders) and the global table's ARN would make it 4,078.
    const stack = fixtureStack({
      Media: { Type: 'AWS::S3::Bucket', Properties: {} },
      Orders: { Type: 'AWS::DynamoDB::GlobalTable', Properties: {} },
      Fn: lambda({ Environment: { Variables: { PLANS: { 'Fn::Join': ['', ['x'.repeat(3960), { Ref: 'Media' }, { Ref: 'Orders' }, { 'Fn::GetAtt': ['Orders', 'Arn'] }]] } } } }),
    });
    expect(lines(checkLambdaLimits([stack]))).toEqual([
      'Fixture/Fn Properties.Environment.Variables: take about 4101 bytes as Lambda measures them (the JSON of the variables); Lambda allows 4096 for all of a function\'s variables together',
    ]);
  });
});

describe('the log group, name, schedule and template checks', () => {
  it('reports a log retention CloudWatch Logs does not offer', () => {
    const stack = fixtureStack({ Ok: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 90 } }, Odd: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 45, LogGroupName: 'bad name' } } });
    expect(lines(checkLogGroupLimits([stack]))).toEqual([
      'Fixture/Odd Properties.RetentionInDays: is 45; CloudWatch Logs keeps logs for one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days (or forever, without the property)',
      'Fixture/Odd Properties.LogGroupName: "bad name" is not a valid log group name: 1 to 512 characters of letters, digits and . - _ / #',
    ]);
  });

  it('reports physical names over their limits or with characters the service refuses, resolving pseudo parameters first', () => {
    const stack = fixtureStack({
      Vault: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Join': ['-', ['vault', { Ref: 'AWS::AccountId' }, { Ref: 'AWS::Region' }]] } } },
      LongBucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Sub': 'a-much-too-long-prefix-for-a-vault-bucket-${AWS::AccountId}-${AWS::Region}' } } },
      UpperBucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'My_Bucket' } },
      IpBucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: '192.168.1.1' } },
      Generated: { Type: 'AWS::S3::Bucket', Properties: {} },
      Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'ab', GlobalSecondaryIndexes: [{ IndexName: 'by plan' }] } },
      Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'lifeboat backup' } },
      Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'r'.repeat(65) } },
      Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: { 'Fn::Sub': '${AWS::StackName}-snapshot-shard-function-with-a-name-that-is-far-too-long-x' } } },
      Schedule: { Type: 'AWS::Scheduler::Schedule', Properties: { Name: 'lifeboat-dev-daily:backup' } },
      Alias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/aws/lifeboat' } },
    });
    expect(lines(checkPhysicalNames([stack]))).toEqual([
      'Fixture/Fn Properties.FunctionName: "Fixture-snapshot-shard-function-with-a-name-that-is-far-too-long-x" has 66 characters; Lambda function names have 1 to 64',
      'Fixture/Machine Properties.StateMachineName: "lifeboat backup" breaks the rule for state machine names: no whitespace, brackets, wildcards, control characters or any of " # % \\ ^ | ~ ` $ & , ; : /',
      `Fixture/Role Properties.RoleName: "${'r'.repeat(65)}" has 65 characters; IAM role names have 1 to 64`,
      'Fixture/LongBucket Properties.BucketName: "a-much-too-long-prefix-for-a-vault-bucket-111111111111-eu-west-1" has 64 characters; S3 bucket names have 3 to 63',
      'Fixture/UpperBucket Properties.BucketName: "My_Bucket" may only contain lowercase letters, digits, dots and hyphens',
      'Fixture/IpBucket Properties.BucketName: "192.168.1.1" must not be formatted as an IP address',
      'Fixture/Table Properties.TableName: "ab" has 2 characters; DynamoDB table names have 3 to 255',
      'Fixture/Schedule Properties.Name: "lifeboat-dev-daily:backup" breaks the rule for schedule names: letters, digits, - _ and . only',
      'Fixture/Alias Properties.AliasName: "alias/aws/lifeboat" uses the prefix alias/aws/, which KMS reserves for AWS managed keys',
      'Fixture/Table Properties.GlobalSecondaryIndexes[0].IndexName: "by plan" breaks the rule for DynamoDB index names: letters, digits, _ - and . only',
    ]);
  });

  it('reports schedule expressions EventBridge Scheduler would refuse and retry settings out of range', () => {
    expect(['rate(1 day)', 'rate(5 minutes)', 'cron(0 3 * * ? *)', 'cron(0 3 ? * MON-FRI *)', 'at(2027-02-28T03:00:00)'].map(scheduleExpressionProblem)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(scheduleExpressionProblem('cron(0 3 * * ?)')).toBe('cron: has 5 field(s); it needs 6: minutes hours day-of-month month day-of-week year');
    expect(scheduleExpressionProblem('cron(0 3 * * * *)')).toMatch(/^day-of-month\/day-of-week: exactly one of the two must be \?/);
    expect(scheduleExpressionProblem('rate(1 days)')).toBe('rate unit: a value of 1 takes the singular unit: rate(1 day)');
    expect(scheduleExpressionProblem('rate(0 hours)')).toBe('rate value: "0" is not a positive integer');
    expect(scheduleExpressionProblem('at(2027-02-30T03:00:00)')).toBe('at day: 2027-02 has no day 30');
    expect(scheduleExpressionProblem('every day')).toMatch(/^expression: must be rate\(value unit\)/);
    const stack = fixtureStack({ Daily: { Type: 'AWS::Scheduler::Schedule', Properties: { ScheduleExpression: 'rate(2 day)', FlexibleTimeWindow: { Mode: 'OFF' }, Target: { RetryPolicy: { MaximumRetryAttempts: 200, MaximumEventAgeInSeconds: 30 } } } } });
    expect(lines(checkSchedules([stack]))).toEqual([
      'Fixture/Daily Properties.ScheduleExpression: "rate(2 day)" rate unit: a value above 1 takes the plural unit: rate(2 days)',
      'Fixture/Daily Properties.Target.RetryPolicy.MaximumRetryAttempts: is 200; Scheduler allows 0 to 185',
      'Fixture/Daily Properties.Target.RetryPolicy.MaximumEventAgeInSeconds: is 30; Scheduler allows 60 to 86400',
    ]);
  });

  it('reports a template over CloudFormation\'s quotas', () => {
    const resources = Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`Topic${i}`, { Type: 'AWS::SNS::Topic' }]));
    expect(lines(checkTemplateLimits([fixtureStack({ ...resources, 'Bad-Id': { Type: 'AWS::SNS::Topic' } })]))).toEqual([
      'Fixture/(template) Resources: has 502 resources; a template may have 500: split the stack',
      'Fixture/Bad-Id Resources: logical id "Bad-Id" must be 1 to 255 letters and digits',
    ]);
  });
});
