import { type SynthesizedStack } from '../synthesized-stack';
import { type DeployCheckFinding } from './deploy-check-finding';
import { deployTimeNumber, deployTimeString, resourcesOfType } from './template-resources';

// CloudWatch Logs API Reference, PutRetentionPolicy: retentionInDays is one of these values.
const ALLOWED_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
// CloudWatch Logs API Reference, CreateLogGroup: logGroupName 1–512 characters of [.\-_/#A-Za-z0-9].
const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;

/** Log groups: a retention CloudWatch Logs accepts and a valid name. */
export function checkLogGroupLimits(stacks: readonly SynthesizedStack[]): DeployCheckFinding[] {
  return resourcesOfType(stacks, 'AWS::Logs::LogGroup').flatMap(({ stack, logicalId, resource }) => {
    const findings: DeployCheckFinding[] = [];
    const retention = deployTimeNumber(stack, resource.Properties?.RetentionInDays);
    if (retention !== undefined && !ALLOWED_RETENTION_DAYS.includes(retention)) {
      findings.push({ stack: stack.stackName, logicalId, path: 'Properties.RetentionInDays', message: `is ${retention}; CloudWatch Logs keeps logs for one of ${ALLOWED_RETENTION_DAYS.join(', ')} days (or forever, without the property)` });
    }
    const name = deployTimeString(stack, resource.Properties?.LogGroupName);
    if (name !== undefined && !LOG_GROUP_NAME.test(name)) {
      findings.push({ stack: stack.stackName, logicalId, path: 'Properties.LogGroupName', message: `"${name}" is not a valid log group name: 1 to 512 characters of letters, digits and . - _ / #` });
    }
    return findings;
  });
}
