import { mkdtempSync, rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { lifeboatConfigSchema } from '../../../config/lifeboat-config';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { runLocalExecution } from '../../../local/executor/run-local-execution';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';
import { seededBytes } from '../../../local/demo/sample-data';

/**
 * Audit R1, the note on hard links: two names of one file, both at the top level of a directory
 * source, come back as links of one file (link count 2, one inode). The backup workflow deals a
 * directory's top-level names to shards that each walk their names alone, and a walk records a hard
 * link only between names it meets (lambdas/sources/directory-source.ts, planDirectoryShards); here
 * the plan has more shards than the tree has other top-level names, so names dealt one by one would
 * each get a shard of their own. Backed up by the synthesized backup workflow, restored by the
 * restore runbook into a new directory, both run by the local executor with the bundled handlers.
 */
const PLAN = 'links';
const SOURCE = 'linked-files';
const SOURCE_PATH = '/mnt/linked';
const config = lifeboatConfigSchema.parse({
  environments: [
    {
      name: 'links',
      account: '000000000000',
      primaryRegion: 'us-east-1',
      drRegion: 'us-west-2',
      plans: [
        {
          name: PLAN,
          schedule: 'rate(1 day)',
          strategy: 'full',
          retention: { keepLast: 3 },
          objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
          maxConcurrency: 4,
          sources: [{ type: 'filesystem', name: SOURCE, path: SOURCE_PATH }],
        },
      ],
    },
  ],
});

let dataDir: string;
let local: LocalEnvironment;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-top-level-links-'));
  local = await openLocalEnvironment({ config, envName: 'links', dataDir, exitWithParent: true });
}, 120_000);

afterAll(async () => {
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function execute(stateMachine: string, input: unknown) {
  const primary = local.stacks.find((s) => s.role === 'primary');
  if (!primary) throw new Error('the synthesized environment has no primary stack');
  return runLocalExecution({ stack: primary, stateMachine, input, endpoints: local.endpoints, dataDir, workers: 2, faults: [], retryIntervalScale: 0.001, extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot } });
}

it('restores two top-level names of one file as hard links of one file, through the backup workflow and the restore runbook', async () => {
  const names = resourceNames(local.environment);
  const source = path.join(local.fsRoot, SOURCE_PATH);
  await fs.mkdir(path.join(source, 'big-dir'), { recursive: true });
  await fs.writeFile(path.join(source, 'big-dir', 'inside.bin'), seededBytes('inside', 50_000));
  await fs.writeFile(path.join(source, 'big-file.bin'), seededBytes('big', 40_000));
  // Far apart in name order, so nothing but the file they share keeps them together.
  await fs.writeFile(path.join(source, 'a-first.txt'), seededBytes('linked', 3_000));
  await fs.link(path.join(source, 'a-first.txt'), path.join(source, 'z-last.txt'));

  const backup = await execute(names.backupStateMachine, { plan: PLAN, trigger: 'test', strategy: 'full' });
  expect([backup.status, backup.error, backup.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
  const backupId = (backup.output as { committed?: { backupId?: string } } | undefined)?.committed?.backupId;
  const targetPath = '/mnt/restored/linked';
  const restore = await execute(names.restoreStateMachine, { source: SOURCE, backupId, target: { type: 'filesystem', path: targetPath } });
  expect([restore.status, restore.error, restore.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
  expect(restore.output).toMatchObject({ verified: { mismatches: 0 } });

  const target = path.join(local.fsRoot, targetPath);
  const [first, last] = await Promise.all(['a-first.txt', 'z-last.txt'].map((name) => fs.stat(path.join(target, name))));
  expect({ nlink: first?.nlink, sameInode: first?.ino === last?.ino }).toEqual({ nlink: 2, sameInode: true });
  expect((await fs.readFile(path.join(target, 'z-last.txt'))).equals(seededBytes('linked', 3_000))).toBe(true);
  expect((await fs.readFile(path.join(target, 'big-dir', 'inside.bin'))).equals(seededBytes('inside', 50_000))).toBe(true);
}, 180_000);
