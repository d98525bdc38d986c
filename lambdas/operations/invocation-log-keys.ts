/**
 * The keys a handler's log lines carry (docs/ARCHITECTURE.md, "Operations"): which environment, plan,
 * backup or execution, source and shard an invocation worked on. Only identifiers are taken from the
 * parsed input, by field name, and only when they are strings or numbers: an input never lends a log
 * line anything else (object bodies and item attributes never travel in inputs, and even if a field
 * held one it would not be among these names).
 */
export type InvocationLogKeys = {
  environment?: string;
  plan?: string;
  backupId?: string;
  executionId?: string;
  drillId?: string;
  restoreId?: string;
  source?: string;
  shardIndex?: number;
};

/** Input field name → log key. `planName` and `execution` are other handlers' names for the same things. */
const FIELD_KEYS: Readonly<Record<string, keyof InvocationLogKeys>> = {
  plan: 'plan',
  planName: 'plan',
  backupId: 'backupId',
  executionId: 'executionId',
  executionArn: 'executionId',
  execution: 'executionId',
  drillId: 'drillId',
  restoreId: 'restoreId',
  source: 'source',
  shardIndex: 'shardIndex',
};

/** Inputs nest their identifiers (`{ backup: { backupId } }`, `{ request: { plan } }`); deeper than this is data. */
const MAX_DEPTH = 3;

export function invocationLogKeys(input: unknown, environment: string | undefined): InvocationLogKeys {
  const keys: InvocationLogKeys = {};
  if (environment) keys.environment = environment;
  collect(input, 0, keys);
  return keys;
}

function collect(value: unknown, depth: number, keys: InvocationLogKeys): void {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return;
  if (Array.isArray(value)) return;
  for (const [field, inner] of Object.entries(value)) {
    const key = FIELD_KEYS[field];
    if (key !== undefined && keys[key] === undefined) {
      if (key === 'shardIndex') {
        if (typeof inner === 'number') keys.shardIndex = inner;
      } else if (typeof inner === 'string' && inner.length > 0 && inner.length <= 256) {
        keys[key] = inner;
      }
      continue;
    }
    collect(inner, depth + 1, keys);
  }
}
