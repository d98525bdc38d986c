import { afterAll, beforeAll } from '@jest/globals';

/**
 * How many frames an Error captures while a test builds and synthesizes CDK apps: Node's default, not
 * the 100 jest sets for readable failures. aws-cdk-lib records a stack trace with every Validations
 * acknowledgement, whatever the context says (aws:cdk:disable-creation-stack-traces does not reach it),
 * and our constructs acknowledge each scoped cdk-nag wildcard: under jest every frame of those traces
 * goes through jest's source-map formatter, about a tenth of the CPU of a file that builds several
 * LifeboatProtections (a --cpu-prof of lifeboat-protection.test.ts, 2026-12-06). The traces go to
 * construct metadata no test reads; a failing assertion or an error a build throws still shows its
 * message and its ten innermost frames, the test's own line among them.
 */
const SHALLOW_STACK_TRACE_LIMIT = 10;

/** Runs `fn` with shallow stack traces, and restores the limit after. */
export function withShallowStackTraces<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Math.min(limit, SHALLOW_STACK_TRACE_LIMIT);
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Shallow stack traces for every test of this file (its tests, hooks and their assertions), restored after them. */
export function shallowStackTracesInThisFile(): void {
  let limit = Error.stackTraceLimit;
  beforeAll(() => {
    limit = Error.stackTraceLimit;
    Error.stackTraceLimit = Math.min(limit, SHALLOW_STACK_TRACE_LIMIT);
  });
  afterAll(() => {
    Error.stackTraceLimit = limit;
  });
}
