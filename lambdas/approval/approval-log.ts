import { type AttributeValue, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, paginateQuery, PutCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CatalogItemInvalidError } from '../catalog/catalog-errors';
import { APPROVALS_PK, type ApprovalRecord, approvalRecordSchema, type ApprovalStatus, approvalStatusSchema } from './approval-record';
import { ApprovalNameTakenError, ApprovalNotPendingError } from './approval-errors';

/** What reviseClaim rewrites a claim to (decide-approval.ts). */
export type ClaimRevision = { status: 'ABANDONED'; reason: string } | { status: 'PENDING' } | { status: 'APPROVED' | 'REJECTED'; decidedAt: string; reason?: string | undefined };

/**
 * The approvals in the catalog table of the runbook's region (approval-record.ts), one item per
 * execution under one partition. The record is nested under `approval`, so the byPlan index of
 * backups never sees it.
 */
export class ApprovalLog {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Records a pending approval; a retried request task of the same execution (a new token, or the SDK's retry
   * of this very write) replaces its record. The key is the execution name, which Step Functions makes unique
   * per state machine only: a record of another execution ARN under that name (the other runbook of the
   * region, or the same one's name reused) is never replaced, as its execution could then never be approved:
   * ApprovalNameTakenError instead.
   */
  async request(approval: ApprovalRecord): Promise<void> {
    const record = approvalRecordSchema.parse(approval);
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: APPROVALS_PK, sk: record.execution, approval: record },
          ConditionExpression: 'attribute_not_exists(sk) OR approval.executionArn = :arn',
          ExpressionAttributeValues: { ':arn': record.executionArn },
          // The request function may only PutItem (lib/constructs/approval-step.ts): the refusal itself names the other execution.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException')) throw err;
      // Read back (where allowed) only when the refusal carries no item, as the local cloud's: the error stands whatever the read says.
      const recorded = refusedItemApproval(err) ?? (await this.get(record.execution).catch(() => undefined));
      // Never its task token: an error is logged, and the token is what answers the other execution.
      throw new ApprovalNameTakenError(record.execution, record.executionArn, recorded && { executionArn: recorded.executionArn, stateMachine: recorded.stateMachine, status: recorded.status });
    }
  }

  async get(execution: string): Promise<ApprovalRecord | undefined> {
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.table, Key: { pk: APPROVALS_PK, sk: execution }, ConsistentRead: true }));
    return Item ? this.parse(Item) : undefined;
  }

  /** Every approval of the table, oldest execution name first; `status` filters. */
  async list(status?: ApprovalStatus): Promise<ApprovalRecord[]> {
    const out: ApprovalRecord[] = [];
    const pages = paginateQuery({ client: this.ddb }, { TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': APPROVALS_PK }, ConsistentRead: true });
    for await (const page of pages) for (const item of page.Items ?? []) out.push(this.parse(item));
    return status === undefined ? out : out.filter((a) => a.status === status);
  }

  /**
   * Records a decision (or claims it, before it is sent: decide-approval.ts), only if the approval is
   * still pending with this token: a second approver gets ApprovalNotPendingError.
   */
  async decide(execution: string, taskToken: string, decision: { status: Exclude<ApprovalStatus, 'PENDING'>; decidedBy: string; decidedAt: string; reason?: string | undefined }): Promise<void> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: APPROVALS_PK, sk: execution },
          UpdateExpression: 'SET approval.#status = :status, approval.decidedBy = :by, approval.decidedAt = :at' + (decision.reason !== undefined ? ', approval.reason = :reason' : ''),
          ConditionExpression: 'approval.#status = :pending AND approval.taskToken = :token',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': decision.status,
            ':by': decision.decidedBy,
            ':at': decision.decidedAt,
            ':pending': 'PENDING',
            ':token': taskToken,
            ...(decision.reason !== undefined ? { ':reason': decision.reason } : {}),
          },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException') throw new ApprovalNotPendingError(execution);
      throw err;
    }
  }

  /**
   * Rewrites a decision this caller recorded with `decide` (the same status, decidedBy and decidedAt)
   * that never reached the execution: to ABANDONED with the reason, or back to PENDING (without
   * decidedBy, decidedAt or reason) so that a later `lifeboat approve` can send one; or, when the
   * execution had received this caller's earlier answer instead (its reply lost), to that decision
   * (its status, time and reason; the same decidedBy). Returns false, writing nothing, when the record
   * no longer holds that decision (a retried request replaced it).
   */
  async reviseClaim(
    execution: string,
    taskToken: string,
    claim: { status: 'APPROVED' | 'REJECTED'; decidedBy: string; decidedAt: string },
    to: ClaimRevision,
  ): Promise<boolean> {
    const update =
      to.status === 'ABANDONED'
        ? 'SET approval.#status = :to, approval.reason = :reason'
        : to.status === 'PENDING'
          ? 'SET approval.#status = :to REMOVE approval.decidedBy, approval.decidedAt, approval.reason'
          : `SET approval.#status = :to, approval.decidedAt = :decidedAt${to.reason !== undefined ? ', approval.reason = :reason' : ' REMOVE approval.reason'}`;
    const reason = to.status === 'PENDING' ? undefined : to.reason;
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: APPROVALS_PK, sk: execution },
          UpdateExpression: update,
          ConditionExpression: 'approval.#status = :claimed AND approval.taskToken = :token AND approval.decidedBy = :by AND approval.decidedAt = :at',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':to': to.status,
            ':claimed': claim.status,
            ':token': taskToken,
            ':by': claim.decidedBy,
            ':at': claim.decidedAt,
            ...(reason !== undefined ? { ':reason': reason } : {}),
            ...(to.status === 'APPROVED' || to.status === 'REJECTED' ? { ':decidedAt': to.decidedAt } : {}),
          },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  private parse(item: Record<string, unknown>): ApprovalRecord {
    const parsed = approvalRecordSchema.safeParse(item.approval);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues;
    throw new CatalogItemInvalidError(this.table, `${String(item.pk)} / ${String(item.sk)}`, problems);
  }
}

/**
 * The approval of the item a refused PutItem returns (ReturnValuesOnConditionCheckFailure), which is in
 * DynamoDB's wire form (lib-dynamodb does not convert an error's item); undefined when it has none.
 */
function refusedItemApproval(err: unknown): Pick<ApprovalRecord, 'executionArn' | 'stateMachine' | 'status'> | undefined {
  const approval = (err as { Item?: Record<string, AttributeValue> }).Item?.approval?.M;
  const status = approvalStatusSchema.safeParse(approval?.status?.S);
  const executionArn = approval?.executionArn?.S;
  const stateMachine = approval?.stateMachine?.S;
  return executionArn !== undefined && stateMachine !== undefined && status.success ? { executionArn, stateMachine, status: status.data } : undefined;
}
