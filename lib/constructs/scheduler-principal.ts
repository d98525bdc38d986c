import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { type Construct } from 'constructs';

/**
 * EventBridge Scheduler as the principal of a schedule role, limited to schedules of the stack's own
 * account (aws:SourceAccount): a schedule in another account that names the role cannot assume it
 * (the confused-deputy guard the Scheduler guide recommends).
 */
export function schedulerPrincipal(scope: Construct): iam.IPrincipal {
  return new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } } });
}
