import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkConfigFile } from '../../../cli/doctor/config-checks';
import { tempDir } from '../../support/local-cloud-helpers';

/** Audit R44 F5: a config file that cannot be read has no field to correct: the fix says to create it or pass --config. */

const tmp = tempDir('doctor-config-file');
afterAll(() => tmp.remove());

it('a missing file: create it, or pass --config', () => {
  const file = path.join(tmp.dir, 'nope.json');
  expect(checkConfigFile(file).result).toEqual({
    name: 'config',
    verdict: 'fail',
    detail: `cannot read ${file}: ENOENT: no such file or directory, open '${file}'`,
    fix: `create ${file}, or pass --config with the path of the config file (without it the doctor reads lifeboat.config.json in the current directory)`,
  });
});

it('a directory: not a file to correct either', () => {
  const dir = path.join(tmp.dir, 'a-directory.json');
  mkdirSync(dir);
  expect(checkConfigFile(dir).result).toMatchObject({ verdict: 'fail', fix: `make ${dir} a readable file, or pass --config with the path of the config file` });
});

it('a file that reads but is not valid still names the fields to correct', () => {
  const file = path.join(tmp.dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ environments: 'none' }));
  expect(checkConfigFile(file).result).toMatchObject({ verdict: 'fail', detail: expect.stringMatching(/is not valid: environments: /), fix: `correct the fields named here in ${file}` });
});
