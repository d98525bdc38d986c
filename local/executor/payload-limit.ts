import { setImmediate as afterPendingEvents } from 'node:timers/promises';
import { type EngineFailure } from './engine-failure';
import { LambdaFunctionError } from './lambda-worker-pool';

/** Step Functions' limit on a state's input and output (and so on an execution's input): 256 KiB of UTF-8 JSON. */
export const STATE_PAYLOAD_LIMIT_BYTES = 262_144;

/** The error AWS fails the execution with; no Catch takes it, `States.ALL` included. */
export const DATA_LIMIT_EXCEEDED = 'States.DataLimitExceeded';

/** What the guard reads of an engine event: a state's entry carries its input, its exit its output. */
type StateEvent = { type: string; state?: { name?: string; input?: unknown; output?: unknown }; index?: number };

/**
 * The 256 KiB limit on a state's payload, which aws-local-stepfunctions does not enforce (audit R27
 * F2): a workflow whose state grew past it would succeed locally and fail in AWS, skipping its cleanup
 * Catch paths (Release lock, Abandon restore), which local tests could not see. The executor shows it
 * every event of a run: at the first state entered with, or left with, more than the limit, the guard
 * records the failure and stops the execution (`stop`), and a Task that would start after it does not
 * run its function (`check`), so no Catch path's function runs, as in AWS.
 */
export class PayloadLimitGuard {
  private exceeded: EngineFailure | undefined;

  constructor(private readonly stop: () => void) {}

  observe(event: StateEvent): void {
    if (this.exceeded || !event.state) return;
    const which = event.type === 'StateEntered' ? 'input' : event.type === 'StateExited' ? 'output' : undefined;
    if (!which) return;
    const bytes = Buffer.byteLength(JSON.stringify(event.state[which] ?? null), 'utf8');
    if (bytes <= STATE_PAYLOAD_LIMIT_BYTES) return;
    const where = event.index === undefined ? '' : ` (iteration ${event.index})`;
    this.exceeded = {
      error: DATA_LIMIT_EXCEEDED,
      cause: `The state/task '${event.state.name ?? '?'}'${where} ${which === 'input' ? 'received an input' : 'returned a result'} of ${bytes} bytes, over Step Functions' limit of ${STATE_PAYLOAD_LIMIT_BYTES} bytes (256 KiB): keep lists that grow with the data in S3 and pass their keys`,
    };
    this.stop();
  }

  /** The execution's failure once the limit was passed; it replaces whatever the stopped run ended with. */
  failure(): EngineFailure | undefined {
    return this.exceeded;
  }

  /** Before a Task runs its function: throws once the limit was passed (after the engine's pending events are seen). */
  async check(stateName: string): Promise<void> {
    await afterPendingEvents();
    if (this.exceeded) throw new LambdaFunctionError(DATA_LIMIT_EXCEEDED, `"${stateName}" did not run: ${this.exceeded.cause}`);
  }
}
