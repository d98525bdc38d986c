import { type App } from 'aws-cdk-lib';
import { InvalidConfigError } from '../../../config/config-errors';
import { type LifeboatConfig } from '../../../config/lifeboat-config';
import { loadLifeboatConfig, parseLifeboatConfig } from '../../../config/load-config';
import { type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { buildLifeboatApp, type LifeboatStacks } from '../../../lib/lifeboat-app';
import { LifeboatFunction } from '../../../lib/constructs/lifeboat-function';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { templateOnlyApp } from '../../support/template-only-app';

const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);

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

type BuiltApp = { config: LifeboatConfig; app: App; stacks: LifeboatStacks };
let built: BuiltApp | undefined;

/**
 * The app built from the sample config with a drill, a scrub schedule and functionMemory, built once for the
 * tests that look at an app (a build is seconds of CPU), each checking its own part of it.
 */
function builtApp(): BuiltApp {
  if (built) return built;
  const config = parseLifeboatConfig(
    withChange((c) => {
      const env = c.environments[0] as Record<string, unknown>;
      const plan = (env.plans as Record<string, unknown>[])[0] as Record<string, unknown>;
      plan.drill = { schedule: 'rate(7 days)' };
      env.scrub = { schedule: 'cron(0 3 * * ? *)', fraction: 0.25 };
      env.functionMemory = { 'prune-vault': 6144 };
    }),
    'test.json',
  );
  const app = templateOnlyApp();
  const stacks = buildLifeboatApp(app, config).get(config.environments[0]?.name ?? '');
  if (!stacks) throw new Error('the sample config defines an environment');
  built = { config, app, stacks };
  return built;
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
    expect(issues).toContain('environments[0].plans[0].schedule: expression: must be rate(value unit), cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss)');
    expect(issues.some((i) => i.startsWith('environments[0].plans[0].sources[1].type'))).toBe(true);
  });

  // Audit R25 F2: Scheduler accepts these, and they never fire: the plan's backups would silently stop.
  it.each(['cron(0 2 30 2 ? *)', 'cron(0 2 31 4,6,9,11 ? *)', 'cron(0 2 30 2 ? 2030-2040)'])('refuses the cron %s, which never fires, naming the field', (expression) => {
    const raw = withChange((c) => {
      ((c.environments[0]?.plans as Record<string, unknown>[])[0] as Record<string, unknown>).schedule = expression;
    });
    expect(issuesOf(raw)).toEqual(['environments[0].plans[0].schedule: never fires: no day the day-of-month, month and day-of-week fields select exists in any year']);
  });

  // Review 42e F1: the check must not read the clock; a config valid today loads once its years have passed (the Lambdas
  // parse their plans with this schema), and status says the schedule never fires again.
  it.each(['cron(0 2 * * ? 2025)', 'cron(0 2 29 2 ? *)', 'cron(0 4 ? * SUN 2025-2026)'])('loads the cron %s, whose days exist in some year', (expression) => {
    const raw = withChange((c) => {
      ((c.environments[0]?.plans as Record<string, unknown>[])[0] as Record<string, unknown>).schedule = expression;
    });
    expect(parseLifeboatConfig(raw, 'test.json').environments[0]?.plans[0]?.schedule).toBe(expression);
  });

  it('takes a schedule with stray spaces and keeps it in the spacing deployed (a space copied into the config never reaches a template)', () => {
    const parsed = parseLifeboatConfig(
      withChange((c) => {
        const plan = (c.environments[0]?.plans as Record<string, unknown>[])[0] as Record<string, unknown>;
        plan.schedule = ' cron(0  3 * * ? *) ';
        plan.drill = { schedule: 'rate(7 days) ' };
      }),
      'test.json',
    );
    const plan = parsed.environments[0]?.plans[0];
    expect({ schedule: plan?.schedule, drill: plan?.drill?.schedule }).toEqual({ schedule: 'cron(0 3 * * ? *)', drill: 'rate(7 days)' });
  });

  it('names the fields of a bad drill and scrub, and gives the scrub settings to the schedule', () => {
    const raw = withChange((c) => {
      const plan = (c.environments[0]?.plans as Record<string, unknown>[])[0] as Record<string, unknown>;
      plan.drill = { schedule: 'rate(7 days)', vault: 'tertiary', samples: -1 };
      (c.environments[0] as Record<string, unknown>).scrub = { fraction: 0 };
    });
    const issues = issuesOf(raw);
    expect(issues.some((i) => i.startsWith('environments[0].plans[0].drill.vault:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('environments[0].plans[0].drill.samples:'))).toBe(true);
    expect(issues).toContain('environments[0].scrub.fraction: must be above 0');
    // As the scrub runbook's input: 1e-300 would pass, scrub, and fail to be recorded (DynamoDB: Number underflow).
    const tiny = issuesOf(withChange((c) => ((c.environments[0] as Record<string, unknown>).scrub = { fraction: 1e-300 })));
    expect(tiny).toContain('environments[0].scrub.fraction: must be at least 0.000001 (1e-6): a cycle, every object read once, takes up to 1/fraction runs, a million at that share');
    expect(parseLifeboatConfig(withChange((c) => ((c.environments[0] as Record<string, unknown>).scrub = { fraction: 1e-6 })), 'test.json').environments[0]?.scrub).toEqual({ fraction: 1e-6 });

    const { config: good, stacks } = builtApp();
    expect(good.environments[0]?.plans[0]?.drill).toEqual({ schedule: 'rate(7 days)', selection: 'latest', windowDays: 7, vault: 'dr', samples: 10 });
    const schedule = stacks.protection.scrubWorkflow.schedule;
    expect(schedule?.scheduleExpression).toBe('cron(0 3 * * ? *)');
    expect(JSON.parse(String(schedule?.target && (schedule.target as { input?: string }).input))).toEqual({ fraction: 0.25 });
    expect(stacks.protection.drDrillWorkflow.schedules.map((s) => s.name)).toEqual([`lifeboat-${good.environments[0]?.name ?? ''}-drill-${good.environments[0]?.plans[0]?.name ?? ''}`]);
    expect(stacks.protection.drillWorkflow.schedules).toEqual([]);
  });

  it('names the field of a storage tier S3 would refuse, and defaults the retrieval tier', () => {
    const storageIssues = (storage: unknown): string[] =>
      issuesOf(
        withChange((c) => {
          ((c.environments[0]?.plans as Record<string, unknown>[])[0] as Record<string, unknown>).storage = storage;
        }),
      );
    expect(storageIssues({ transition: { storageClass: 'STANDARD_IA', afterDays: 7 } })).toEqual([
      'environments[0].plans[0].storage.transition.afterDays: must be at least 30 for STANDARD_IA: S3 moves objects from Standard to Standard-IA only after 30 days',
    ]);
    expect(storageIssues({ archive: { storageClass: 'DEEP_ARCHIVE', afterDays: 365, retrievalTier: 'Expedited' } })).toEqual([
      'environments[0].plans[0].storage.archive.retrievalTier: S3 Glacier Deep Archive has no Expedited retrieval: use Standard (within 12 hours) or Bulk (within 48 hours)',
    ]);
    expect(storageIssues({ transition: { storageClass: 'GLACIER_IR', afterDays: 90 }, archive: { storageClass: 'GLACIER', afterDays: 90 } })).toEqual([
      'environments[0].plans[0].storage.archive.afterDays: must exceed transition.afterDays (90): packs are archived after they moved to GLACIER_IR',
    ]);
    expect(storageIssues({ transition: { storageClass: 'STANDARD_IA', afterDays: 30 }, archive: { storageClass: 'GLACIER', afterDays: 45 } })).toEqual([
      'environments[0].plans[0].storage.archive.afterDays: must be at least transition.afterDays + 30 (60): S3 keeps objects 30 days in STANDARD_IA before moving them on',
    ]);
    expect(storageIssues({ transition: { storageClass: 'ONEZONE_IA', afterDays: 30 }, archive: { storageClass: 'GLACIER', afterDays: 0 } }).sort()).toEqual([
      'environments[0].plans[0].storage.archive.afterDays: must be at least 1 day',
      expect.stringMatching(/^environments\[0\]\.plans\[0\]\.storage\.transition\.storageClass: /) as unknown as string,
    ]);

    const good = parseLifeboatConfig(
      withChange((c) => {
        ((c.environments[0]?.plans as Record<string, unknown>[])[0] as Record<string, unknown>).storage = {
          transition: { storageClass: 'INTELLIGENT_TIERING', afterDays: 1 },
          archive: { storageClass: 'GLACIER', afterDays: 2 },
        };
      }),
      'test.json',
    );
    expect(good.environments[0]?.plans[0]?.storage).toEqual({ transition: { storageClass: 'INTELLIGENT_TIERING', afterDays: 1 }, archive: { storageClass: 'GLACIER', afterDays: 2, retrievalTier: 'Standard' } });
  });

  it('names the fields of bad security settings: a break-glass principal that is not a role ARN, a retention CloudWatch Logs does not offer', () => {
    const raw = withChange((c) => {
      (c.environments[0] as Record<string, unknown>).security = { breakGlassRoleArn: 'arn:aws:iam::000000000000:user/alice', logRetentionDays: 45, logExecutionData: 'yes' };
    });
    const issues = issuesOf(raw);
    expect(issues.some((i) => i.startsWith('environments[0].security.breakGlassRoleArn: must be an IAM role ARN'))).toBe(true);
    expect(issues.some((i) => i.startsWith("environments[0].security.logRetentionDays: must be one of CloudWatch Logs' retention values"))).toBe(true);
    expect(issues.some((i) => i.startsWith('environments[0].security.logExecutionData:'))).toBe(true);
    const good = parseLifeboatConfig(
      withChange((c) => {
        (c.environments[0] as Record<string, unknown>).security = { breakGlassRoleArn: 'arn:aws:iam::000000000000:role/ops/lifeboat-break-glass', logRetentionDays: 365 };
      }),
      'test.json',
    );
    expect(good.environments[0]?.security).toEqual({ breakGlassRoleArn: 'arn:aws:iam::000000000000:role/ops/lifeboat-break-glass', logRetentionDays: 365 });
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
    expect(issues).toContain('environments[0].plans[0].retention: must keep something: set keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly or keepWithin');
    expect(issues.some((i) => i.includes('retension'))).toBe(true);
  });

  it('accepts a full GFS policy and a DR policy of the same shape, and today\'s keepLast/keepDaily/keepWeekly', () => {
    const raw = withChange((c) => {
      const plan = (c.environments[0]?.plans as Record<string, unknown>[])[0] as Record<string, unknown>;
      plan.retention = { keepLast: 3, keepHourly: 24, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 5, keepWithin: '36h', minAge: '1d', timeZone: 'Europe/Berlin' };
      plan.drRetention = { keepWithin: '1y6m' };
    });
    const plan = parseLifeboatConfig(raw).environments[0]?.plans[0];
    expect(plan?.retention.timeZone).toBe('Europe/Berlin');
    expect(plan?.drRetention).toEqual({ keepWithin: '1y6m' });
    expect(sample.environments[0]?.plans[0]?.retention).toEqual({ keepLast: 7, keepDaily: 7, keepWeekly: 4 });
  });

  it('names each bad retention field: a negative count, an unparsable keepWithin, an unknown time zone, a DR policy that keeps nothing', () => {
    const raw = withChange((c) => {
      const plan = (c.environments[0]?.plans as Record<string, unknown>[])[0] as Record<string, unknown>;
      plan.retention = { keepDaily: -1, keepWithin: '7 days', minAge: '1x', timeZone: 'Mars/Olympus' };
      plan.drRetention = { keepWithin: '0d', minAge: '2d' };
    });
    expect(issuesOf(raw)).toEqual([
      'environments[0].plans[0].retention.keepDaily: must be 0 or more',
      'environments[0].plans[0].retention.keepWithin: "7 days" is not a duration: write counts with units h, d, w, m (months) or y, such as "36h", "7d", "2w", "6m", "1y" or "1y6m"',
      'environments[0].plans[0].retention.minAge: "1x" is not a duration: write counts with units h, d, w, m (months) or y, such as "36h", "7d", "2w", "6m", "1y" or "1y6m"',
      'environments[0].plans[0].retention.timeZone: is not a time zone this runtime knows: give an IANA name such as "UTC" or "Europe/Berlin"',
      'environments[0].plans[0].drRetention: must keep something: set keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly or keepWithin',
    ]);
  });

  it('fails synth with the field named when the config file is bad', () => {
    const raw = withChange((c) => {
      (c.environments[0] as Record<string, unknown>).primaryRegion = 'mars';
    });
    expect(() => buildLifeboatApp(templateOnlyApp(), parseLifeboatConfig(raw, 'lifeboat.config.json'))).toThrow(
      /environments\[0\]\.primaryRegion: must be an AWS region/,
    );
  });

  describe('fileSystem (EFS)', () => {
    const efs = {
      fileSystemId: 'fs-0123456789abcdef0',
      accessPointId: 'fsap-0123456789abcdef0',
      vpcId: 'vpc-0123456789abcdef0',
      subnetIds: ['subnet-0123456789abcdef0', 'subnet-01234567'],
      securityGroupId: 'sg-0123456789abcdef0',
    };
    const withEfs = (efsChange: Record<string, unknown> = {}, sourcePath?: string) =>
      withChange((c) => {
        const env = c.environments[0] as Record<string, unknown>;
        env.fileSystem = { efs: { ...efs, ...efsChange } };
        if (sourcePath !== undefined) {
          const plan = (env.plans as Record<string, unknown>[])[0] as Record<string, unknown>;
          ((plan.sources as Record<string, unknown>[])[2] as Record<string, unknown>).path = sourcePath;
        }
      });

    it('is optional, and defaults mountPath to /mnt/lifeboat', () => {
      expect(sample.environments[0]?.fileSystem).toBeUndefined();
      const parsed = parseLifeboatConfig(withEfs(), 'test.json');
      expect(parsed.environments[0]?.fileSystem).toEqual({ efs: { ...efs, mountPath: '/mnt/lifeboat' } });
    });

    it('names each malformed id', () => {
      const issues = issuesOf(withEfs({ fileSystemId: 'fs-xyz', accessPointId: 'fs-0123456789abcdef0', vpcId: 'vpc-123', subnetIds: ['subnet-0123456789abcdef0', 'sg-0123456789abcdef0'], securityGroupId: 'sg-0123456789ABCDEF0' }));
      expect(issues).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^environments\[0\]\.fileSystem\.efs\.fileSystemId: must be an EFS file system id/),
          expect.stringMatching(/^environments\[0\]\.fileSystem\.efs\.accessPointId: must be an EFS access point id/),
          expect.stringMatching(/^environments\[0\]\.fileSystem\.efs\.vpcId: must be a VPC id/),
          expect.stringMatching(/^environments\[0\]\.fileSystem\.efs\.subnetIds\[1\]: must be a subnet id/),
          expect.stringMatching(/^environments\[0\]\.fileSystem\.efs\.securityGroupId: must be a security group id/),
        ]),
      );
      expect(issues).toHaveLength(5);
    });

    it('wants 1 to 16 distinct subnets', () => {
      expect(issuesOf(withEfs({ subnetIds: [] }))).toEqual(['environments[0].fileSystem.efs.subnetIds: the functions need at least one subnet']);
      expect(issuesOf(withEfs({ subnetIds: ['subnet-01234567', 'subnet-01234567'] }))).toEqual(['environments[0].fileSystem.efs.subnetIds: subnet ids must be unique']);
      const many = Array.from({ length: 17 }, (_, i) => `subnet-${String(i).padStart(8, '0')}`);
      expect(issuesOf(withEfs({ subnetIds: many }))).toEqual(['environments[0].fileSystem.efs.subnetIds: Lambda accepts at most 16 subnets']);
    });

    it('wants mountPath to be one directory directly under /mnt/, as Lambda does', () => {
      for (const mountPath of ['/data', '/mnt/', '/mnt/a/b', 'mnt/lifeboat', '/mnt/..']) {
        expect(issuesOf(withEfs({ mountPath }, '/mnt/lifeboat/demo-files'))[0]).toMatch(/^environments\[0\]\.fileSystem\.efs\.mountPath: must/);
      }
      expect(parseLifeboatConfig(withEfs({ mountPath: '/mnt/data_1.x' }, '/mnt/data_1.x'), 'test.json').environments[0]?.fileSystem?.efs.mountPath).toBe('/mnt/data_1.x');
    });

    it('rejects an unknown field', () => {
      expect(issuesOf(withEfs({ region: 'us-east-1' })).some((i) => i.startsWith('environments[0].fileSystem.efs') && i.includes('region'))).toBe(true);
    });

    it('wants every file-system source at or under mountPath, naming the source', () => {
      expect(issuesOf(withEfs({}, '/data/demo-files'))).toEqual([
        'environments[0].plans[0].sources[2].path: source "demo-files" is at /data/demo-files, outside the file system\'s mountPath /mnt/lifeboat: in AWS the functions see files only under the mount, so its path must be /mnt/lifeboat or below it',
      ]);
      // A sibling that merely starts with the same characters is outside too; a path that climbs out is refused for its "..".
      expect(issuesOf(withEfs({}, '/mnt/lifeboat-other/x'))[0]).toMatch(/sources\[2\]\.path: source "demo-files"/);
      expect(issuesOf(withEfs({}, '/mnt/lifeboat/../etc'))[0]).toMatch(/sources\[2\]\.path: must not contain "\." or "\.\." segments/);
      // The mount itself and anything below it are fine.
      for (const ok of ['/mnt/lifeboat', '/mnt/lifeboat/', '/mnt/lifeboat/a/b']) expect(() => parseLifeboatConfig(withEfs({}, ok), 'test.json')).not.toThrow();
    });

    it('refuses a DR restore file system at the primary mount path when a source is the whole primary file system', () => {
      const drRestore = { ...efs, fileSystemId: 'fs-0fedcba9876543210', accessPointId: 'fsap-0fedcba9876543210' };
      expect(issuesOf(withEfs({ drRestore: { ...drRestore, mountPath: '/mnt/lifeboat' } }, '/mnt/lifeboat/'))).toEqual([
        'environments[0].fileSystem.efs.drRestore.mountPath: source "demo-files" is the whole file system at /mnt/lifeboat, and drRestore is mounted at the same path: no directory of the DR file system would lie outside that source\'s path, so the DR region could restore it nowhere; give drRestore another mountPath, such as /mnt/lifeboat-dr',
      ]);
      // Another mount path, or a source below the mount root, leaves room.
      expect(() => parseLifeboatConfig(withEfs({ drRestore: { ...drRestore, mountPath: '/mnt/lifeboat-dr' } }, '/mnt/lifeboat'), 'test.json')).not.toThrow();
      expect(() => parseLifeboatConfig(withEfs({ drRestore: { ...drRestore, mountPath: '/mnt/lifeboat' } }, '/mnt/lifeboat/demo-files'), 'test.json')).not.toThrow();
    });

    it('leaves file-system source paths free when no fileSystem is configured (the local cloud maps any path)', () => {
      const raw = withChange((c) => {
        const plan = ((c.environments[0] as Record<string, unknown>).plans as Record<string, unknown>[])[0] as Record<string, unknown>;
        ((plan.sources as Record<string, unknown>[])[2] as Record<string, unknown>).path = '/data/anywhere';
      });
      expect(() => parseLifeboatConfig(raw, 'test.json')).not.toThrow();
    });
  });

  it('says when the file cannot be read', () => {
    expect(() => loadLifeboatConfig('/nonexistent/lifeboat.config.json')).toThrow(/cannot read the file/);
  });
});

describe('an environment\'s functionMemory', () => {
  it('takes sizes by function name and refuses an unknown function or a size Lambda does not take, naming each', () => {
    const ok = parseLifeboatConfig(
      withChange((c) => {
        (c.environments[0] as Record<string, unknown>).functionMemory = { 'prune-vault': 6144, 'snapshot-shard': 4096 };
      }),
      'test.json',
    );
    expect(ok.environments[0]?.functionMemory).toEqual({ 'prune-vault': 6144, 'snapshot-shard': 4096 });
    const raw = withChange((c) => {
      (c.environments[0] as Record<string, unknown>).functionMemory = { 'prune-valt': 4096, 'restore-shard': 64, 'plan-backup': 512.5 };
    });
    expect(issuesOf(raw)).toEqual([
      expect.stringMatching(/^environments\[0\]\.functionMemory\.prune-valt: "prune-valt" is no Lifeboat function; the functions are abandon-restore, backup-lock, /),
      'environments[0].functionMemory.restore-shard: restore-shard: 64 is not a Lambda memory size (whole MB from 128 to 10240)',
      'environments[0].functionMemory.plan-backup: plan-backup: 512.5 is not a Lambda memory size (whole MB from 128 to 10240)',
    ]);
  });

  it('sizes the environment\'s functions in both stacks of the app built from the config', () => {
    const { config, app, stacks } = builtApp();
    expect(config.environments[0]?.functionMemory).toEqual({ 'prune-vault': 6144 });
    app.synth();
    for (const stack of [stacks.primary, stacks.dr]) {
      const prunes = stack.node.findAll().filter((c) => c instanceof LifeboatFunction && c.handlerName === 'prune-vault') as LifeboatFunction[];
      expect(prunes.length).toBe(1);
      expect(prunes.map((fn) => (fn.node.defaultChild as CfnFunction).memorySize)).toEqual([6144]);
    }
  });
});
