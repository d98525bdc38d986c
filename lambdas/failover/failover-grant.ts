import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidInputError } from '../runtime/errors';
import { forEachBounded } from '../../vault';

/**
 * Failover grants (audit h6-1). The failover's per-source child (`<prefix>-failover-restore-source`) has no approval
 * step: the failover starts it once its run was approved. Step Functions has no resource policy that could keep
 * anyone but the failover from starting it, and the local cloud's Lambdas cannot ask Step Functions who did, so the
 * approval reaches the child through the catalog: once approved, Validate failover writes one grant per source,
 * keyed by the child's restore id, holding the SHA-256 of the very request it gives that child. The child's resolve
 * step restores only a request whose grant exists, matches it and has not lapsed, and binds the grant to its own
 * execution on first use, so neither a hand-made request nor a replay of an approved one writes a target.
 *
 * Only the failover's start function may write grants (PutItem conditioned on this partition); a principal with
 * catalog write can forge one (docs/SECURITY.md, "Approvals").
 */
export const FAILOVER_GRANTS_PK = 'FAILOVER_GRANTS';

/**
 * The resolve function's variable that makes it a failover child's (lib/constructs/failover-workflow.ts): the
 * failover's state machine name, which the refusal tells the user to start. Unset (restore runbook, drill): no grant.
 */
export const FAILOVER_GRANTS_FROM_ENV = 'LIFEBOAT_FAILOVER_GRANTS_FROM';

/** How long a grant lasts, in seconds, on the failover's start function: the failover's timeout and a day. */
export const FAILOVER_GRANT_SECONDS_ENV = 'LIFEBOAT_FAILOVER_GRANT_SECONDS';

/** Grant writes in flight at once (one PutItem each): a plan's sources in a few rounds, far below a table's write rates. */
export const GRANTS_IN_FLIGHT = 8;

/** One child's grant, nested under `grant` so that the byPlan index never sees it. */
export type FailoverGrant = {
  readonly restoreId: string;
  readonly request: unknown;
};

/**
 * SHA-256 of `value` as JSON with every object's keys sorted: the failover's state and Step Functions may order a
 * request's keys differently, and the hash must not care.
 */
export function canonicalRequestHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value === undefined ? null : value);
}

type GrantItem = { grant?: { requestHash?: unknown; parentExecution?: unknown; childExecution?: unknown }; expiresAt?: unknown };

export class FailoverGrantLog {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Grants each request to its restore id for `seconds`. A retried start of the same failover writes the same grants
   * again; no other execution's restore id is ever one of its own (restoreIdOf: the execution name is in it).
   */
  async grant(grants: readonly FailoverGrant[], parentExecution: string, now: Date, seconds: number): Promise<void> {
    const expiresAt = Math.floor(now.getTime() / 1000) + seconds;
    // A few at a time: one after another they were part of what outran Validate failover's 2 minutes (audit aX1-1).
    // PutItem rather than BatchWriteItem: the function's role may PutItem in this partition only, and a batch's
    // unprocessed items would need a retry loop of their own. After a failure none further is begun.
    await forEachBounded(grants, GRANTS_IN_FLIGHT, (g) =>
      this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: FAILOVER_GRANTS_PK, sk: g.restoreId, grant: { requestHash: canonicalRequestHash(g.request), parentExecution, grantedAt: now.toISOString() }, expiresAt },
        }),
      ),
    );
  }

  /**
   * Takes the grant of `restoreId` for `childExecution`, or throws InvalidInputError naming `parent`, the state
   * machine to start instead: no grant, another request than the granted one, a lapsed grant (DynamoDB deletes
   * expired items only within days), or one another execution already took. Re-entrant for the same execution (a
   * retried resolve step).
   */
  async claim(restoreId: string, request: unknown, childExecution: string, now: Date, parent: string): Promise<void> {
    const requestHash = canonicalRequestHash(request);
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: FAILOVER_GRANTS_PK, sk: restoreId },
          // GRANT is a DynamoDB reserved word.
          UpdateExpression: 'SET #grant.childExecution = :me',
          ConditionExpression: 'attribute_exists(sk) AND #grant.requestHash = :hash AND expiresAt > :now AND (attribute_not_exists(#grant.childExecution) OR #grant.childExecution = :me)',
          ExpressionAttributeNames: { '#grant': 'grant' },
          ExpressionAttributeValues: { ':me': childExecution, ':hash': requestHash, ':now': Math.floor(now.getTime() / 1000) },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException')) throw err;
      const { Item } = await this.ddb.send(new GetCommand({ TableName: this.table, Key: { pk: FAILOVER_GRANTS_PK, sk: restoreId }, ConsistentRead: true }));
      throw new InvalidInputError(
        `Invalid restore-source input: this restore was not approved as part of a failover (${whyRefused(Item as GrantItem | undefined, requestHash, now)}); ` +
          `a restore that writes failover targets runs only as a step of an approved failover: start ${parent}`,
      );
    }
  }
}

function whyRefused(item: GrantItem | undefined, requestHash: string, now: Date): string {
  if (!item?.grant) return 'no failover granted this restore id';
  if (item.grant.requestHash !== requestHash) return 'its request is not the one the failover granted';
  if (typeof item.expiresAt !== 'number' || item.expiresAt <= Math.floor(now.getTime() / 1000)) return 'the failover\'s grant has lapsed';
  // Whoever starts the granted request first takes the grant (review r15-F2): someone who read the failover's history
  // may have started it by hand before the failover's own child, which is then the one refused here.
  const parent = typeof item.grant.parentExecution === 'string' ? `failover execution ${item.grant.parentExecution}` : 'the failover';
  return `the granted restore already ran as ${String(item.grant.childExecution)}; if that execution was not started by ${parent}, someone started it by hand with the granted input, and it, not the failover, restored this target`;
}
