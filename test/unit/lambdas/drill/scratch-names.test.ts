import { DEFAULT_DRILL_TIMEOUT_SECONDS, drillScratchPrefix, drillTimeoutSecondsOf, scratchDirectoryRootOf, scratchTargetName, scratchTargetOf } from '../../../../lambdas/drill/scratch-targets';
import { InvalidEnvironmentError } from '../../../../lambdas/runtime/errors';
import { DrillScratchError } from '../../../../lambdas/drill/drill-errors';

const PREFIX = 'lifeboat-dev-drill-';
const DRILL = '20261130T210526Z-1a2b3c4d';

describe('drill scratch target names', () => {
  it('are <drill prefix><8 hex of the drill id>-<source>, lowercased', () => {
    const name = scratchTargetName(PREFIX, DRILL, 'Assets');
    expect(name).toMatch(/^lifeboat-dev-drill-[0-9a-f]{8}-assets$/);
    expect(name.startsWith(drillScratchPrefix(PREFIX, DRILL))).toBe(true);
    expect(drillScratchPrefix(PREFIX, DRILL)).not.toBe(drillScratchPrefix(PREFIX, '20261130T210527Z-1a2b3c4d'));
  });

  it('fit 63 characters, keep the drill’s prefix, and stay distinct for long names', () => {
    const long = 'a-very-long-source-name-of-exactly-thirty-two';
    const a = scratchTargetName(PREFIX, DRILL, `${long}-one`);
    const b = scratchTargetName(PREFIX, DRILL, `${long}-two`);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(a.startsWith(drillScratchPrefix(PREFIX, DRILL))).toBe(true);
    expect(a).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
  });

  it('are the bucket, the table, or a directory under the mount', () => {
    const name = scratchTargetName(PREFIX, DRILL, 'x');
    expect(scratchTargetOf({ type: 's3', name: 'x', bucket: 'b', prefix: 'p/' }, name)).toEqual({ type: 's3', bucket: name, prefix: '' });
    expect(scratchTargetOf({ type: 'dynamodb', name: 'x', table: 't' }, name)).toEqual({ type: 'dynamodb', table: name });
    const root = scratchDirectoryRootOf({ mountPath: '/mnt/lifeboat' }, (p) => p);
    expect(scratchTargetOf({ type: 'filesystem', name: 'x', path: '/mnt/lifeboat/x' }, name, root)).toEqual({ type: 'filesystem', path: `/mnt/lifeboat/${name}` });
    expect(scratchDirectoryRootOf({ fsRoot: '/tmp/fs' }, (p) => `/tmp/fs${p}`)).toEqual({ configured: '/', real: '/tmp/fs/' });
    expect(() => scratchTargetOf({ type: 'filesystem', name: 'x', path: '/data' }, name, undefined)).toThrow(DrillScratchError);
  });

  it('the sweep’s drill timeout comes from LIFEBOAT_DRILL_TIMEOUT_SECONDS; unset, the longest (72 h)', () => {
    expect(drillTimeoutSecondsOf('86400')).toBe(86_400);
    expect(drillTimeoutSecondsOf(undefined)).toBe(DEFAULT_DRILL_TIMEOUT_SECONDS);
    expect(DEFAULT_DRILL_TIMEOUT_SECONDS).toBe(259_200);
    expect(() => drillTimeoutSecondsOf('1.5')).toThrow(InvalidEnvironmentError);
  });
});
