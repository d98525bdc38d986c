import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { InvalidConfigError } from '../../lib/config/config-errors';
import { loadLifeboatConfig, parseLifeboatConfig } from '../../lib/config/load-config';
import { buildLifeboatApp } from '../../lib/lifeboat-app';

const sample = loadLifeboatConfig(path.join(__dirname, '..', '..', 'lifeboat.config.json'));

function withChange(change: (raw: Record<string, unknown> & { environments: Record<string, unknown>[] }) => void): unknown {
  const raw = JSON.parse(JSON.stringify(sample)) as Record<string, unknown> & { environments: Record<string, unknown>[] };
  change(raw);
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

describe('Lifeboat configuration', () => {
  it('accepts the sample config and applies defaults', () => {
    const plan = sample.environments[0]?.plans[0];
    expect(plan?.sources.map((s) => s.type)).toEqual(['s3', 'dynamodb', 'filesystem']);
    expect(plan?.maxConcurrency).toBe(8);
  });

  it('names the field of a bad account id', () => {
    const raw = withChange((c) => {
      (c.environments[0] as Record<string, unknown>).account = '12345';
    });
    expect(issuesOf(raw)).toEqual(['environments[0].account: must be a 12-digit AWS account id']);
  });

  it('names the field of a bad schedule and of an unknown source type', () => {
    const raw = withChange((c) => {
      const plan = (c.environments[0]?.plans as Record<string, unknown>[])[0] as Record<string, unknown>;
      plan.schedule = 'every day';
      (plan.sources as Record<string, unknown>[])[1] = { type: 'mysql', name: 'x' };
    });
    const issues = issuesOf(raw);
    expect(issues).toContain('environments[0].plans[0].schedule: must be rate(N unit), cron(...) or at(...)');
    expect(issues.some((i) => i.startsWith('environments[0].plans[0].sources[1].type'))).toBe(true);
  });

  it('rejects a DR region equal to the primary region', () => {
    const raw = withChange((c) => {
      (c.environments[0] as Record<string, unknown>).drRegion = 'us-east-1';
    });
    expect(issuesOf(raw)).toEqual(['environments[0].drRegion: drRegion must differ from primaryRegion']);
  });

  it('rejects a retention that keeps nothing and an unknown field', () => {
    const raw = withChange((c) => {
      const plan = (c.environments[0]?.plans as Record<string, unknown>[])[0] as Record<string, unknown>;
      plan.retention = { keepLast: undefined };
      plan.retension = 3;
    });
    const issues = issuesOf(raw);
    expect(issues).toContain('environments[0].plans[0].retention: must keep something: set keepLast, keepDaily, keepWeekly or keepMonthly');
    expect(issues.some((i) => i.includes('retension'))).toBe(true);
  });

  it('fails synth with the field named when the config file is bad', () => {
    const raw = withChange((c) => {
      (c.environments[0] as Record<string, unknown>).primaryRegion = 'mars';
    });
    expect(() => buildLifeboatApp(new App(), parseLifeboatConfig(raw, 'lifeboat.config.json'))).toThrow(
      /environments\[0\]\.primaryRegion: must be an AWS region/,
    );
  });

  it('says when the file cannot be read', () => {
    expect(() => loadLifeboatConfig('/nonexistent/lifeboat.config.json')).toThrow(/cannot read the file/);
  });
});
