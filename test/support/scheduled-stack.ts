import { type CfnResource, type SynthesizedStack } from '../../local/assembly/synthesized-stack';

/**
 * A hand-written primary stack with what the local scheduler reads, shaped as BackupSchedules
 * synthesizes it: a state machine, a role for scheduler.amazonaws.com, its policy allowing
 * states:StartExecution on that machine (by Ref, which is the machine's ARN) and a schedule per
 * entry of `schedules`. `edit` changes the resources before the stack is built (broken templates).
 */
export const SCHEDULED_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:test-backup';

export function scheduledStack(schedules: Record<string, Record<string, unknown>>, edit: (resources: Record<string, CfnResource>) => void = () => undefined): SynthesizedStack {
  const resources: Record<string, CfnResource> = {
    Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'test-backup', DefinitionString: '{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}' } },
    Other: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'test-restore', DefinitionString: '{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}' } },
    SchedulesRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' } }] },
      },
    },
    SchedulesRolePolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'SchedulesRolePolicy',
        Roles: [{ Ref: 'SchedulesRole' }],
        PolicyDocument: { Version: '2012-10-17', Statement: [{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: 'Machine' } }] },
      },
    },
  };
  for (const [logicalId, properties] of Object.entries(schedules)) {
    resources[logicalId] = {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        FlexibleTimeWindow: { Mode: 'OFF' },
        ScheduleExpressionTimezone: 'UTC',
        ...properties,
        Target: {
          Arn: { Ref: 'Machine' },
          RoleArn: { 'Fn::GetAtt': ['SchedulesRole', 'Arn'] },
          Input: '{"plan":"p","trigger":"schedule"}',
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          ...(properties.Target as Record<string, unknown> | undefined),
        },
      },
    };
  }
  edit(resources);
  return { stackName: 'Test-Primary', role: 'primary', account: '000000000000', region: 'us-east-1', template: { Resources: resources }, assemblyDir: '/nonexistent' };
}
