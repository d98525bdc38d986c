import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DoctorContext } from '../../../cli/doctor/doctor-context';
import { checkLocalDirectorySource } from '../../../cli/doctor/file-system-checks';

/** The doctor's local file-system source check judges the directory as the backup's plan step will (review r16). */

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
