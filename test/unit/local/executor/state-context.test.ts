import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { withStateContext } from '../../../../local/executor/state-context';

/**
 * `$$.State` in the executor's runs (local/executor/state-context.ts): aws-local-stepfunctions has none, so the
 * executor gives each run its own, as Step Functions does: the drill's `verifiedAt` is `$$.State.EnteredTime`
 * (lib/constructs/drill-workflow.ts), which a Retry does not move.
 */
type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type Seen = { entered: string; name: string; retry: number; item?: number };

const STATE_FIELDS = { 'entered.$': '$$.State.EnteredTime', 'name.$': '$$.State.Name', 'retry.$': '$$.State.RetryCount' };
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const definition = {
  StartAt: 'Compare',
  States: {
    // Fails its first attempt: the retry must see the entry's time, and count itself.
    Compare: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:compare', Parameters: STATE_FIELDS, ResultPath: '$.compared', Retry: [{ ErrorEquals: ['Flaky'], MaxAttempts: 1 }], Next: 'Each' },
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemSelector: { 'item.$': '$$.Map.Item.Value', 'mapEntered.$': '$$.State.EnteredTime', 'mapName.$': '$$.State.Name' },
      ItemProcessor: {
        StartAt: 'Per item',
        States: { 'Per item': { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:item', Parameters: { ...STATE_FIELDS, 'item.$': '$.item', 'mapEntered.$': '$.mapEntered', 'mapName.$': '$.mapName' }, End: true } },
      },
      ResultPath: '$.each',
      Next: 'Both',
    },
    Both: {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'Left', States: { Left: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:left', Parameters: STATE_FIELDS, End: true } } },
        { StartAt: 'Right', States: { Right: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:right', Parameters: STATE_FIELDS, End: true } } },
      ],
      End: true,
    },
  },
} as unknown as StateMachineDefinition;

async function run(options: (o: RunOptions) => RunOptions) {
  const seen: Record<string, Seen[]> = {};
  const record =
    (state: string, failFirst = false) =>
    (input: JsonValue): JsonValue => {
      const calls = (seen[state] ??= []);
      calls.push(input as Seen);
      if (failFirst && calls.length === 1) throw Object.assign(new Error('first attempt fails'), { name: 'Flaky' });
      return input;
    };
  const taskResourceLocalHandlers = { Compare: record('Compare', true), 'Per item': record('Per item'), Left: record('Left'), Right: record('Right') };
  const sm = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const startedAt = new Date().toISOString();
  const execution = sm.run({ items: [1, 2] }, options({ overrides: { taskResourceLocalHandlers, retryIntervalOverrides: { Compare: 1 } }, context: { Execution: { Name: 'e1' } } }));
  const entries: { name: string; at: string }[] = [];
  const collecting = (async () => {
    for await (const log of execution.eventLogs) if (log.type === 'StateEntered' && 'state' in log) entries.push({ name: log.state.name, at: new Date(log.timestamp).toISOString() });
  })();
  const result = await execution.result;
  const endedAt = new Date().toISOString();
  await collecting;
  return { seen, result, startedAt, endedAt, entries };
}

describe('$$.State in a run given withStateContext', () => {
  it('gives a Task the ISO time its state was entered, between the execution\'s start and end, kept across its retry', async () => {
    const { seen, startedAt, endedAt, entries } = await run(withStateContext);
    const [first, retried] = seen.Compare ?? [];
    expect(first).toEqual({ entered: expect.stringMatching(ISO), name: 'Compare', retry: 0 });
    // The retry is a later attempt of the same entry: same EnteredTime, RetryCount 1.
    expect(retried).toEqual({ ...first, retry: 1 });
    expect(first!.entered >= startedAt && first!.entered <= endedAt).toBe(true);
    // The time of the state's entry: taken just before the library stamps its StateEntered event (no bound on the gap
    // between the two clock reads: a loaded machine may deschedule the process between them, review r3).
    const entry = entries.find((e) => e.name === 'Compare');
    expect(first!.entered <= entry!.at).toBe(true);
  });

  it('gives each Map iteration and Parallel branch its own State, and the Map\'s ItemSelector the Map state\'s', async () => {
    const { seen, result, startedAt, endedAt } = await run(withStateContext);
    const perItem = (seen['Per item'] ?? []).sort((a, b) => (a.item ?? 0) - (b.item ?? 0));
    expect(perItem.map((s) => [s.item, s.name, s.retry])).toEqual([
      [1, 'Per item', 0],
      [2, 'Per item', 0],
    ]);
    const compare = seen.Compare?.[0]?.entered ?? '';
    for (const s of perItem) {
      const { mapEntered, mapName } = s as Seen & { mapEntered: string; mapName: string };
      expect(mapName).toBe('Each');
      // Entered in order: the Map after Compare, each iteration's Task after the Map.
      expect(compare <= mapEntered && mapEntered <= s.entered && s.entered <= endedAt).toBe(true);
    }
    expect([seen.Left?.[0]?.name, seen.Right?.[0]?.name]).toEqual(['Left', 'Right']);
    for (const branch of [seen.Left?.[0], seen.Right?.[0]]) {
      const entered = branch?.entered ?? '';
      expect(entered >= startedAt && entered <= endedAt && branch?.retry === 0).toBe(true);
    }
    expect(Array.isArray(result)).toBe(true);
  });

  it('leaves a run not given it as the library runs it: no State (so template-evaluation.ts\'s own context is kept)', async () => {
    await expect(run((o) => o)).rejects.toThrow(/\$\$\.State\.EnteredTime/);
  });
});
