import { z } from 'zod';
import { errorAsText } from './error-as-text';

/**
 * What CloudFormation sends a custom resource's function (the Lambda-backed custom resource protocol).
 * Lifeboat's custom resources are answered by the function itself, at ResponseURL, without the
 * provider framework: one function, no extra singleton Lambda or its managed-policy role.
 */
export const customResourceEventSchema = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  ResponseURL: z.string().url(),
  StackId: z.string(),
  RequestId: z.string(),
  LogicalResourceId: z.string(),
  ResourceType: z.string(),
  PhysicalResourceId: z.string().optional(),
  ResourceProperties: z.record(z.string(), z.unknown()),
  /** On Update: the properties before it (a resource whose ids changed tells its old ones by them). */
  OldResourceProperties: z.record(z.string(), z.unknown()).optional(),
});

export type CustomResourceRequest = z.infer<typeof customResourceEventSchema>;

/** The part of a request the resource logic reads (tests build it without the protocol's fields). */
export type CustomResourceEvent = Pick<CustomResourceRequest, 'RequestType' | 'ResourceType' | 'PhysicalResourceId' | 'ResourceProperties' | 'OldResourceProperties'>;

/** With the stack's id, for logic that asks CloudFormation about its stack (a rollback's Update is told from a forward one only by the stack's status). */
export type StackCustomResourceEvent = CustomResourceEvent & Pick<CustomResourceRequest, 'StackId'>;

/** What a resource's logic returns: its physical id and the attributes `Fn::GetAtt` reads. */
export type CustomResourceResult = { physicalId: string; data?: Readonly<Record<string, string>> };

/**
 * Runs `apply` and answers CloudFormation at ResponseURL: SUCCESS with the physical id and data, or
 * FAILED with the error's name and message as the reason (what the stack's events show the user).
 * CloudFormation waits for this answer, not for the function's return value.
 */
export async function answerCustomResource(raw: unknown, apply: (event: CustomResourceRequest) => Promise<CustomResourceResult>): Promise<void> {
  const event = customResourceEventSchema.parse(raw);
  let result: CustomResourceResult = { physicalId: event.PhysicalResourceId ?? event.LogicalResourceId };
  let failure: string | undefined;
  try {
    result = await apply(event);
  } catch (err) {
    failure = errorAsText(err);
  }
  const body = JSON.stringify({
    Status: failure === undefined ? 'SUCCESS' : 'FAILED',
    Reason: failure ?? 'OK',
    PhysicalResourceId: result.physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    ...(failure === undefined && result.data ? { Data: result.data } : {}),
  });
  const response = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) } });
  if (!response.ok) throw new Error(`CloudFormation did not take the answer: HTTP ${response.status}`);
}
