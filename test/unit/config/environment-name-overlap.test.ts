import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InvalidConfigError } from '../../../config/config-errors';
import { loadLifeboatConfig, parseLifeboatConfig } from '../../../config/load-config';
import { ownedNamePatternOverlap } from '../../../config/name-pattern-overlap';
import { InvalidLifeboatPropsError, LifeboatProtection, LifeboatSource } from '../../../lib';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { templateOnlyApp } from '../../support/template-only-app';

/**
 * Issue 13, item 4: no environment's `<prefix>-restore-*` (what its restore functions may write) or
 * `<prefix>-drill-*` (what its drill cleanup deletes) may match another environment's names.
 */
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);

function withEnvironments(...names: string[]): unknown {
  const raw = JSON.parse(JSON.stringify(sample)) as { environments: Array<Record<string, unknown>> };
  const first = raw.environments[0] ?? {};
  raw.environments = names.map((name) => ({ ...first, name }));
  return raw;
}

function issuesOf(raw: unknown): string[] {
  try {
    parseLifeboatConfig(raw, 'test.json');
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidConfigError);
    return (err as InvalidConfigError).issues as string[];
  }
  throw new Error('expected the config to be rejected');
}

describe('environment names whose resources another environment’s patterns would match', () => {
  it.each([
    ['dev', 'dev-restore-x', 'restore', 'restores could write them'],
    ['dev', 'dev-restore', 'restore', 'restores could write them'],
    ['prod', 'prod-drill-2', 'drill', 'drill cleanup could delete them'],
  ])('refuses "%s" beside "%s", naming the second environment\'s name', (owner, other, kind, what) => {
    const issues = issuesOf(withEnvironments(owner, other));
    expect(issues).toEqual([
      `environments[1].name: every name of "lifeboat-${other}" (its vault, catalog, restore targets) starts with lifeboat-${other}-, which matches lifeboat-${owner}-${kind}-*, the ${kind === 'restore' ? 'restore targets' : 'drill scratch targets'} of "lifeboat-${owner}": its ${what}; choose a name that does not start with the other's name followed by "-${kind}"`,
    ]);
    // Order does not matter: the overlapping one is named wherever it is.
    expect(issuesOf(withEnvironments(other, owner))[0]).toMatch(/^environments\[0\]\.name: /);
  });

  it('lets names through that only look alike', () => {
    expect(() => parseLifeboatConfig(withEnvironments('dev', 'dev2', 'dev-restorex', 'restore-dev', 'devdrill-1'), 'test.json')).not.toThrow();
    expect(ownedNamePatternOverlap('lifeboat-dev', 'lifeboat-dev-restorex')).toBeUndefined();
    expect(ownedNamePatternOverlap('lifeboat-dev', 'lifeboat-dev')).toBeUndefined();
  });
});

describe('LifeboatProtection: prefixes of one app', () => {
  function build(prefixes: string[]): void {
    const app = templateOnlyApp();
    prefixes.forEach((prefix, i) => {
      const stack = new Stack(app, `Shop${i}`, { env: { account: '123456789012', region: 'eu-west-1' } });
      const bucket = s3.Bucket.fromBucketName(stack, 'Bucket', `some-bucket-${i}`);
      new LifeboatProtection(stack, 'Lifeboat', {
        prefix,
        drRegion: 'us-west-2',
        plans: [{ name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, maxConcurrency: 8, sources: [LifeboatSource.s3Bucket('assets', bucket)] }],
      });
    });
  }

  /** What `run` throws, or undefined when it returns. */
  function refusalOf(run: () => void): unknown {
    try {
      run();
    } catch (err) {
      return err;
    }
    return undefined;
  }

  it('refuses a protection whose names the restore pattern of an earlier one matches, naming prefix', () => {
    // One build for both checks: the refused protection comes after a whole one (about a second of CPU).
    const refusal = refusalOf(() => build(['shop', 'shop-restore-eu']));
    expect(refusal).toBeInstanceOf(InvalidLifeboatPropsError);
    expect((refusal as Error).message).toContain('prefix: protection Shop0/Lifeboat and this one: every name of "shop-restore-eu"');
  });

  it('refuses the other order too (the later one owns the pattern)', () => {
    expect(() => build(['shop-drill-eu', 'shop'])).toThrow('prefix: protection Shop0/Lifeboat and this one: every name of "shop-drill-eu" (its vault, catalog, restore targets) starts with shop-drill-eu-, which matches shop-drill-*');
  });

  it('builds protections whose prefixes do not overlap', () => {
    expect(() => build(['shop', 'shop-eu', 'shopdrill'])).not.toThrow();
  });
});
