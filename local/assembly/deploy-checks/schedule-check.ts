import { InvalidScheduleExpressionError, parseScheduleExpression } from '../../../config/schedule-expression';
import { type SynthesizedStack } from '../synthesized-stack';
import { type DeployCheckFinding } from './deploy-check-finding';
import { deployTimeNumber, deployTimeString, resourcesOfType } from './template-resources';

// EventBridge Scheduler API Reference, Target RetryPolicy: MaximumRetryAttempts 0–185,
// MaximumEventAgeInSeconds 60–86400; FlexibleTimeWindow MaximumWindowInMinutes 1–1440.
const RETRY_ATTEMPTS = { min: 0, max: 185 };
const EVENT_AGE_SECONDS = { min: 60, max: 86_400 };
const FLEXIBLE_WINDOW_MINUTES = { min: 1, max: 1440 };

/** EventBridge Scheduler schedules: an expression Scheduler parses, and retry and window settings in range. */
export function checkSchedules(stacks: readonly SynthesizedStack[]): DeployCheckFinding[] {
  return resourcesOfType(stacks, 'AWS::Scheduler::Schedule').flatMap(({ stack, logicalId, resource }) => {
    const findings: DeployCheckFinding[] = [];
    const report = (path: string, message: string) => findings.push({ stack: stack.stackName, logicalId, path, message });
    const props = resource.Properties ?? {};
    const expression = deployTimeString(stack, props.ScheduleExpression);
    if (expression !== undefined) {
      const problem = scheduleExpressionProblem(expression);
      if (problem) report('Properties.ScheduleExpression', `"${expression}" ${problem}`);
    }
    const inRange = (path: string, value: number | undefined, range: { min: number; max: number }) => {
      if (value !== undefined && !(Number.isInteger(value) && value >= range.min && value <= range.max)) report(path, `is ${value}; Scheduler allows ${range.min} to ${range.max}`);
    };
    const target = props.Target as { RetryPolicy?: { MaximumRetryAttempts?: unknown; MaximumEventAgeInSeconds?: unknown } } | undefined;
    inRange('Properties.Target.RetryPolicy.MaximumRetryAttempts', deployTimeNumber(stack, target?.RetryPolicy?.MaximumRetryAttempts), RETRY_ATTEMPTS);
    inRange('Properties.Target.RetryPolicy.MaximumEventAgeInSeconds', deployTimeNumber(stack, target?.RetryPolicy?.MaximumEventAgeInSeconds), EVENT_AGE_SECONDS);
    const window = props.FlexibleTimeWindow as { Mode?: unknown; MaximumWindowInMinutes?: unknown } | undefined;
    if (window?.Mode === 'FLEXIBLE' && window.MaximumWindowInMinutes === undefined) report('Properties.FlexibleTimeWindow', 'is FLEXIBLE without MaximumWindowInMinutes, which Scheduler requires');
    inRange('Properties.FlexibleTimeWindow.MaximumWindowInMinutes', deployTimeNumber(stack, window?.MaximumWindowInMinutes), FLEXIBLE_WINDOW_MINUTES);
    return findings;
  });
}

/**
 * Why Scheduler would refuse the expression, or undefined when it parses (config/schedule-expression.ts,
 * the parser the config schema and the local scheduler use: EventBridge Scheduler User Guide,
 * "Schedule types on EventBridge Scheduler").
 */
export function scheduleExpressionProblem(expression: string): string | undefined {
  try {
    parseScheduleExpression(expression);
    return undefined;
  } catch (err) {
    if (!(err instanceof InvalidScheduleExpressionError)) throw err;
    return `${err.field}: ${err.reason}`;
  }
}
