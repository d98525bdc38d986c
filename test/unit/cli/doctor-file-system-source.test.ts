import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DoctorContext } from '../../../cli/doctor/doctor-context';
import { checkLocalDirectorySource } from '../../../cli/doctor/file-system-checks';
import { checkLastBackup } from '../../../cli/doctor/backup-recency-checks';
import { checkCatalogPlans } from '../../../cli/doctor/catalog-plan-checks';
import { REGION_UNANSWERED_FIX } from '../../../cli/doctor/unanswered-region';
import { type ProtectionPlanConfig } from '../../../config/lifeboat-config';
import { type BackupCatalog } from '../../../lambdas/catalog/backup-catalog';

/** The doctor's local file-system source check judges the directory as the backup's plan step will (review r16); catalog reads a region did not answer are an outage (audit c7-2). */

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const ctx = { sourceField: (name: string) => `plans[0].sources[${name}]`, request: { configFile: 'lifeboat.config.json' } } as unknown as DoctorContext;

it('fails a source directory reached through a symlink, which the backup refuses, and passes a real one', async () => {
  const fsRoot = realpathSync(mkdtempSync(path.join(tmpdir(), 'lifeboat-doctor-fs-')));
  const outside = realpathSync(mkdtempSync(path.join(tmpdir(), 'lifeboat-doctor-outside-')));
  dirs.push(fsRoot, outside);
  writeFileSync(path.join(outside, 'secret.txt'), 'x');
  mkdirSync(path.join(fsRoot, 'mnt', 'real'), { recursive: true });
  writeFileSync(path.join(fsRoot, 'mnt', 'real', 'a.txt'), 'a');
  symlinkSync(outside, path.join(fsRoot, 'mnt', 'linked'));
  const linked = await checkLocalDirectorySource(fsRoot, ctx, { type: 'filesystem', name: 'files', path: '/mnt/linked' });
  expect(linked).toMatchObject({ verdict: 'fail', detail: expect.stringContaining(`/mnt/linked is a symlink (to ${outside})`), fix: expect.stringContaining('reached through no symlink') });
  const real = await checkLocalDirectorySource(fsRoot, ctx, { type: 'filesystem', name: 'files', path: '/mnt/real' });
  expect(real).toMatchObject({ verdict: 'ok' });
});

it('words a catalog read the region did not answer as an outage, not as a missing permission (last backup, catalog plans)', async () => {
  const unanswered = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });
  const catalog = { listBackupsOfPlan: () => Promise.reject(unanswered), summarizePlans: () => Promise.reject(unanswered) } as unknown as BackupCatalog;
  const regionCtx = { ...ctx, lifeboat: (command: string) => `lifeboat ${command}`, environment: { primaryRegion: 'us-east-1', plans: [] }, names: { catalogTable: 'lifeboat-dev-catalog' } } as unknown as DoctorContext;
  const [last] = await checkLastBackup(catalog, regionCtx, { name: 'demo' } as unknown as ProtectionPlanConfig, new Date('2026-12-06T00:00:00Z'));
  expect(last).toMatchObject({ verdict: 'fail', detail: expect.stringMatching(/^us-east-1 does not answer \(.*ECONNREFUSED.*\): cannot read the catalog lifeboat-dev-catalog$/), fix: REGION_UNANSWERED_FIX });
  const [plans] = await checkCatalogPlans(catalog, regionCtx);
  expect(plans).toMatchObject({ verdict: 'warn', detail: expect.stringMatching(/^us-east-1 does not answer/), fix: REGION_UNANSWERED_FIX });
});
