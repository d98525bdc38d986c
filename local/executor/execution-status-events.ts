import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { resolveValue } from '../cloud/cfn-intrinsics';
import { type ExecutionHistory } from './execution-history';
import { type ExecutionLease, type LambdaWorkerPool } from './lambda-worker-pool';
import { type LocalFunction } from './local-functions';
import { type StackResources } from './stack-resources';
import { errorAsText } from '../../lambdas/runtime/error-as-text';

/**
 * The "Step Functions Execution Status Change" event of an execution that ended, as EventBridge
 * delivers it in AWS (the fields our rules and release-failed-backup read, and the usual envelope).
 */
export type ExecutionStatusEvent = {
  version: '0';
  id: string;
  'detail-type': 'Step Functions Execution Status Change';
  source: 'aws.states';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    executionArn: string;
    stateMachineArn: string;
    name: string;
    status: string;
    startDate: number;
    stopDate: number;
    input: string;
    output: string | null;
    error: string | null;
    cause: string | null;
  };
};

/** What happened to one target of a matching rule. */
export type StatusEventDelivery = {
  rule: string;
  target: string;
  outcome: 'invoked' | 'failed' | 'recorded' | 'skipped';
  /** The function's error, or why the target was skipped. */
  detail?: string;
};

/** Where the SNS targets' messages go locally (one JSON line each: topic, rule, message), beside the executions. */
export function notificationsFile(dataDir: string): string {
  return path.join(dataDir, 'notifications.jsonl');
}

export function executionStatusEvent(history: ExecutionHistory, stack: { account: string; region: string }, executionArn: string): ExecutionStatusEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: stack.account,
    time: history.stoppedAt ?? new Date().toISOString(),
    region: stack.region,
    resources: [executionArn],
    detail: {
      executionArn,
      stateMachineArn: history.stateMachineArn,
      name: history.executionId,
      status: history.status,
      startDate: Date.parse(history.startedAt),
      stopDate: Date.parse(history.stoppedAt ?? new Date().toISOString()),
      input: JSON.stringify(history.input ?? {}),
      output: history.output === undefined ? null : JSON.stringify(history.output),
      error: history.error ?? null,
      cause: history.cause ?? null,
    },
  };
}

type RuleTarget = { Id?: string; Arn?: unknown; Input?: string; InputPath?: string; InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string } };

/**
 * Delivers an execution's status-change event as EventBridge would in AWS: to every rule of the
 * stack (AWS::Events::Rule with an EventPattern) whose pattern matches, target by target. A Lambda
 * target of the stack runs in the worker pool with its function's environment (as the executor's
 * tasks do); an SNS target's message is appended to notificationsFile (no e-mail leaves the machine);
 * other targets are skipped and say so. A failing function is reported, not thrown, and neither retried
 * nor queued here: in AWS Lambda retries it twice and then sends the event with its error to the
 * function's on-failure destination, the region's dead-letter queue (OperationsAlerts.functionTarget; not the target's own
 * DeadLetterConfig, which gets only what EventBridge could not hand to Lambda). The execution's own
 * outcome stands either way.
 */
export async function deliverExecutionStatusEvent(
  event: ExecutionStatusEvent,
  deps: { resources: StackResources; functions: Map<string, LocalFunction>; pool: LambdaWorkerPool; lease: ExecutionLease; env: (fn: LocalFunction) => Record<string, string>; dataDir: string },
): Promise<StatusEventDelivery[]> {
  const deliveries: StatusEventDelivery[] = [];
  const template = deps.resources.stack.template.Resources ?? {};
  for (const [logicalId, resource] of Object.entries(template)) {
    if (resource.Type !== 'AWS::Events::Rule' || resource.Properties?.EventPattern === undefined) continue;
    if (resource.Properties.State === 'DISABLED') continue;
    const pattern = resolveValue(resource.Properties.EventPattern, deps.resources.context(logicalId, 'EventPattern'), 'Properties.EventPattern');
    if (!matchesPattern(event, pattern)) continue;
    const rule = physicalName(resource.Properties.Name, logicalId, deps.resources);
    for (const target of (resource.Properties.Targets ?? []) as RuleTarget[]) {
      const name = target.Id ?? '(target)';
      const input = targetInput(event, target);
      const ref = referencedResource(target.Arn);
      const type = ref ? template[ref]?.Type : undefined;
      if (ref && type === 'AWS::Lambda::Function') {
        const fn = deps.functions.get(deps.resources.arn(ref));
        if (!fn) {
          deliveries.push({ rule, target: name, outcome: 'skipped', detail: `function ${ref} has no local code` });
          continue;
        }
        try {
          await deps.pool.invoke(fn, input, deps.env(fn), deps.lease);
          deliveries.push({ rule, target: fn.functionName, outcome: 'invoked' });
        } catch (err) {
          deliveries.push({ rule, target: fn.functionName, outcome: 'failed', detail: errorAsText(err) });
        }
      } else if (ref && type === 'AWS::SNS::Topic') {
        const topic = physicalName(template[ref]?.Properties?.TopicName, ref, deps.resources);
        mkdirSync(deps.dataDir, { recursive: true });
        appendFileSync(notificationsFile(deps.dataDir), JSON.stringify({ time: event.time, topic, rule, message: input }) + '\n');
        deliveries.push({ rule, target: topic, outcome: 'recorded' });
      } else {
        deliveries.push({ rule, target: name, outcome: 'skipped', detail: 'only Lambda functions and SNS topics of the stack are delivered locally' });
      }
    }
  }
  return deliveries;
}

/** A rule's or topic's name: its name property resolved, or the name the executor gives unnamed resources. */
function physicalName(nameProperty: unknown, logicalId: string, resources: StackResources): string {
  if (nameProperty === undefined) return resources.physicalId(logicalId);
  const name = resolveValue(nameProperty, resources.context(logicalId, 'Name'), 'Properties.Name');
  return typeof name === 'string' ? name : resources.physicalId(logicalId);
}

/** The logical id a target's Arn refers to (`Ref` or `Fn::GetAtt [id, Arn]`). */
function referencedResource(arn: unknown): string | undefined {
  if (arn === null || typeof arn !== 'object') return undefined;
  const node = arn as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
  if (typeof node.Ref === 'string') return node.Ref;
  const getAtt = node['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/**
 * EventBridge's matching for the patterns our rules use: every key of the pattern must be in the
 * event; an array lists the values allowed (strings, numbers, booleans, null), an object matches the
 * event's object field by field. Content filters (prefix, anything-but…) are not supported and never match.
 */
export function matchesPattern(event: unknown, pattern: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) return false;
  for (const [key, expected] of Object.entries(pattern)) {
    const actual = event !== null && typeof event === 'object' ? (event as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(expected)) {
      const values = Array.isArray(actual) ? actual : [actual];
      if (!expected.some((allowed) => (allowed === null || typeof allowed !== 'object') && values.some((v) => v === allowed))) return false;
    } else if (!matchesPattern(actual, expected)) {
      return false;
    }
  }
  return true;
}

/** What a target receives: its constant Input, the part of the event at InputPath, an InputTransformer's rendering, or the event. */
function targetInput(event: ExecutionStatusEvent, target: RuleTarget): unknown {
  if (target.Input !== undefined) return JSON.parse(target.Input) as unknown;
  if (target.InputPath !== undefined) return atPath(event, target.InputPath);
  const transformer = target.InputTransformer;
  if (transformer) {
    const rendered = transformer.InputTemplate.replace(/<([A-Za-z0-9_-]+)>/g, (whole, name: string) => {
      const path = transformer.InputPathsMap?.[name];
      if (path === undefined) return whole;
      const value = atPath(event, path);
      return typeof value === 'string' ? value : JSON.stringify(value);
    });
    try {
      return JSON.parse(rendered) as unknown;
    } catch {
      return rendered;
    }
  }
  return event;
}

/** `$`, `$.a.b`: the JSON paths rule targets use. */
function atPath(value: unknown, jsonPath: string): unknown {
  if (jsonPath === '$') return value;
  return jsonPath
    .replace(/^\$\./, '')
    .split('.')
    .reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), value);
}
