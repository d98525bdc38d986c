import { parseFailoverRequest } from '../../../../lambdas/failover/failover-request';
import { testPlan } from '../../../support/test-plans';

/**
 * `sources` restores only some sources of a plan (a partial failover's `finish` names its failed ones): the
 * start then sees a plan of those sources alone; a name the plan lacks is refused, naming it and the plan's sources.
 */
const plans = [
  testPlan({
    name: 'trio',
    sources: [
      { type: 's3', name: 'trio-a', bucket: 'trio-a-bucket' },
      { type: 's3', name: 'trio-b', bucket: 'trio-b-bucket' },
      { type: 'dynamodb', name: 'trio-t', table: 'trio-t-table' },
    ],
  }),
];

it('narrows the plan to the sources named, in the plan\'s order; without sources, every source', () => {
  expect(parseFailoverRequest({ plan: 'trio' }, plans).planConfig.sources.map((s) => s.name)).toEqual(['trio-a', 'trio-b', 'trio-t']);
  const request = parseFailoverRequest({ plan: 'trio', backupId: '20261124T100000Z-1a2b3c4d', overwrite: true, sources: ['trio-t', 'trio-b'] }, plans);
  expect(request.planConfig.sources.map((s) => s.name)).toEqual(['trio-b', 'trio-t']);
  expect(request.planConfig.objectives).toEqual(plans[0]?.objectives);
  expect(request.sources).toEqual(['trio-t', 'trio-b']);
});

it.each([
  [{ sources: ['trio-x'] }, 'Invalid failover input: sources: "trio-x" is not a source of plan "trio"; its sources are trio-a, trio-b, trio-t'],
  [{ sources: ['trio-a', 'x', 'y', 'x'] }, 'Invalid failover input: sources: "x", "y" are not sources of plan "trio"; its sources are trio-a, trio-b, trio-t'],
  [{ sources: [] }, 'Invalid failover input: sources: must name at least one source (leave it out for every source of the plan)'],
  [{ sources: 'trio-a' }, 'Invalid failover input: sources: must be a list of source names of the plan'],
  [{ sources: [''] }, 'Invalid failover input: sources.0: must be source names'],
])('refuses %j naming the field', (fields, message) => {
  expect(() => parseFailoverRequest({ plan: 'trio', ...fields }, plans)).toThrow(expect.objectContaining({ name: 'InvalidInputError', message }));
});

it('names sources among the fields when one is misspelt', () => {
  expect(() => parseFailoverRequest({ plan: 'trio', source: ['trio-a'] }, plans)).toThrow(expect.objectContaining({ message: expect.stringContaining('source: unknown field; the fields are plan, backupId, at, targetSuffix, overwrite, requestedBy, useMirrors and sources') }));
});
