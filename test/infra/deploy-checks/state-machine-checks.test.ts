import { type AslDefinition } from '../../../local/executor/state-machine-definition';
import { resolvedStateMachines, type ResolvedStateMachine } from '../../../local/assembly/deploy-checks/resolved-state-machines';
import { checkStateMachineDefinition } from '../../../local/assembly/deploy-checks/state-machine-definition-check';
import { checkStateMachineLimits } from '../../../local/assembly/deploy-checks/state-machine-limits-check';
import { fixtureStack } from './stack-fixture';

const WHERE = { stack: 'Fixture', logicalId: 'Machine' };
const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:111111111111:function:work';

/** A small valid definition: a Task with Retry and Catch, a Map, a Choice, Succeed and Fail, each commented. */
function validDefinition(): AslDefinition {
  return {
    StartAt: 'Work',
    TimeoutSeconds: 3600,
    States: {
      Work: {
        Type: 'Task',
        Comment: 'Does the work.',
        Resource: FUNCTION_ARN,
        Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }],
        Next: 'Fan out',
      },
      'Fan out': {
        Type: 'Map',
        Comment: 'Runs one shard per item.',
        ItemsPath: '$.items',
        MaxConcurrency: 4,
        ItemProcessor: { StartAt: 'Shard', States: { Shard: { Type: 'Task', Comment: 'Does one shard.', Resource: FUNCTION_ARN, End: true } } },
        Next: 'Done?',
      },
      'Done?': { Type: 'Choice', Comment: 'Ends when done.', Choices: [{ Variable: '$.done', BooleanEquals: true, Next: 'Done' }], Default: 'Work' },
      Done: { Type: 'Succeed', Comment: 'All shards are done.' },
      Failed: { Type: 'Fail', Comment: 'Fails with the error of the step that failed.' },
    },
  };
}

function machine(definition: AslDefinition, type: 'STANDARD' | 'EXPRESS' = 'STANDARD'): ResolvedStateMachine {
  return { ...WHERE, type, definition, definitionText: JSON.stringify(definition) };
}

describe('the ASL and Comment check', () => {
  it('accepts a valid, commented definition', () => {
    expect(checkStateMachineDefinition(validDefinition(), WHERE)).toEqual([]);
  });

  it('reports a Next naming a missing state, as asl-validator finds it', () => {
    const definition = validDefinition();
    (definition.States.Work as Record<string, unknown>).Next = 'Nowhere';
    const messages = checkStateMachineDefinition(definition, WHERE).map((f) => f.message);
    expect(messages).toContain("invalid Amazon States Language (MISSING_TRANSITION_TARGET): Missing 'StartAt'|'Next'|'Default' target: Nowhere");
    // 'Fan out' is now reachable from nowhere.
    expect(messages).toContain('invalid Amazon States Language (MISSING_TRANSITION_TARGET): State Fan out is not reachable');
  });

  it('reports a schema error where it is', () => {
    const definition = validDefinition();
    (definition.States.Work as Record<string, unknown>).Type = 'Tusk';
    const findings = checkStateMachineDefinition(definition, WHERE);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.message.startsWith('invalid Amazon States Language (SCHEMA_VALIDATION_FAILED)'))).toBe(true);
    expect(findings.map((f) => f.path)).toEqual(['Definition.States["Work"].Type']);
  });

  it('reports a state without a Comment, nested ones too, and a Comment that only repeats the name', () => {
    const definition = validDefinition();
    delete definition.States.Work?.Comment;
    const fanOut = definition.States['Fan out'];
    if (fanOut?.ItemProcessor?.States.Shard) fanOut.ItemProcessor.States.Shard.Comment = '  ';
    (definition.States.Done as Record<string, unknown>).Comment = 'done';
    expect(checkStateMachineDefinition(definition, WHERE)).toEqual([
      { ...WHERE, path: 'Definition.States["Work"].Comment', message: 'state "Work" has no Comment: give it one that says what the state does (the console shows it), e.g. with the construct\'s `comment` prop' },
      {
        ...WHERE,
        path: 'Definition.States["Fan out"].ItemProcessor.States["Shard"].Comment',
        message: 'state "Shard" has no Comment: give it one that says what the state does (the console shows it), e.g. with the construct\'s `comment` prop',
      },
      { ...WHERE, path: 'Definition.States["Done"].Comment', message: 'state "Done" has a Comment that only repeats its name: say what the state does' },
    ]);
  });

  it('reads definitions from templates as the local executor resolves them, and reports one it cannot resolve', () => {
    const stack = fixtureStack({
      Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'work' } },
      Good: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { DefinitionString: { 'Fn::Join': ['', ['{"StartAt":"A","States":{"A":{"Type":"Task","Comment":"Works.","Resource":"', { 'Fn::GetAtt': ['Fn', 'Arn'] }, '","End":true}}}']] } },
      },
      Bad: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: { 'Fn::Join': ['', ['{"StartAt":"', { 'Fn::ImportValue': 'elsewhere' }, '"}']] } } },
    });
    const { machines, findings } = resolvedStateMachines([stack]);
    expect(machines.map((m) => [m.logicalId, m.definition.States.A?.Resource])).toEqual([['Good', 'arn:aws:lambda:eu-west-1:111111111111:function:work']]);
    expect(findings).toEqual([{ stack: 'Fixture', logicalId: 'Bad', path: 'Properties.DefinitionString', message: expect.stringContaining('cannot be resolved to literal ASL: Fixture/Bad: cannot resolve') }]);
  });
});

describe('the Step Functions limits check', () => {
  it('accepts the valid definition', () => {
    expect(checkStateMachineLimits([machine(validDefinition())])).toEqual([]);
  });

  it('reports timeouts, Map concurrency, retrier fields and error names out of what Step Functions accepts', () => {
    const definition = validDefinition();
    definition.TimeoutSeconds = 600;
    const work = definition.States.Work as Record<string, unknown>;
    work.TimeoutSeconds = 0;
    work.Retry = [
      { ErrorEquals: ['States.ALL'], IntervalSeconds: 0, BackoffRate: 0.5 },
      { ErrorEquals: ['States.Timout', ''], MaxAttempts: -1, JitterStrategy: 'SOME' },
    ];
    (definition.States['Fan out'] as Record<string, unknown>).MaxConcurrency = -1;
    const messages = checkStateMachineLimits([machine(definition, 'EXPRESS')]).map((f) => `${f.path}: ${f.message}`);
    expect(messages).toEqual([
      'Definition.TimeoutSeconds: is 600; a EXPRESS execution may last 1 to 300 seconds',
      'Definition.States["Work"]: TimeoutSeconds is 0; it must be an integer from 1 to 99999999',
      'Definition.States["Work"].Retry[0]: States.ALL must be alone in its ErrorEquals and in the last retrier',
      'Definition.States["Work"].Retry[0]: IntervalSeconds is 0; it must be an integer from 1 to 99999999',
      `Definition.States["Work"].Retry[0]: BackoffRate is 0.5; it must be from 1 to ${Number.MAX_VALUE}`,
      expect.stringMatching(/^Definition\.States\["Work"\]\.Retry\[1\]: error name "States\.Timout" uses the reserved prefix "States\." but is not one of Step Functions' predefined errors \(States\.ALL, /),
      'Definition.States["Work"].Retry[1]: error name "" must be a non-empty string without surrounding spaces',
      'Definition.States["Work"].Retry[1]: MaxAttempts is -1; it must be an integer from 0 to 99999999',
      'Definition.States["Work"].Retry[1]: JitterStrategy is "SOME"; it must be FULL or NONE',
      'Definition.States["Fan out"]: MaxConcurrency is -1; it must be an integer of at least 0 (0: no limit)',
    ]);
  });

  it('reports a definition over 1 MiB and a state name over 80 characters', () => {
    const definition = validDefinition();
    const long = 'L'.repeat(81);
    definition.States[long] = { Type: 'Pass', Comment: 'x'.repeat(1_048_576), End: true };
    const messages = checkStateMachineLimits([machine(definition)]).map((f) => f.message);
    expect(messages).toEqual([expect.stringMatching(/^is \d+ bytes; Step Functions accepts at most 1048576 \(1 MiB\)/), `state name "${long}" has 81 characters; at most 80 are allowed`]);
  });
});
