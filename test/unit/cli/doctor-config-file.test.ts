import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkLocalCloud } from '../../../cli/doctor/access-checks';
import { checkConfigFile, checkEnvironment } from '../../../cli/doctor/config-checks';
import { doctorContext } from '../../../cli/doctor/doctor-context';
import { writeCloudState } from '../../../local/cloud/cloud-state';
import { localCloudStatus } from '../../../local/cloud/local-cloud';
import { processStartTime } from '../../../local/cloud/process-start-time';
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

function localDoctorContext(dataDir: string): ReturnType<typeof doctorContext> {
  const configFile = path.join(tmp.dir, 'local.json');
  const plan = { name: 'demo', schedule: 'rate(1 day)', strategy: 'full', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources: [{ type: 's3', name: 'assets', bucket: 'lifeboat-demo-assets' }] };
  writeFileSync(configFile, JSON.stringify({ environments: [{ name: 'dev', account: '000000000000', primaryRegion: 'us-east-1', drRegion: 'us-west-2', plans: [plan] }] }));
  const { config } = checkConfigFile(configFile);
  const { environment } = checkEnvironment(config ?? { environments: [] }, 'dev', configFile);
  if (!config || !environment) throw new Error(`test config ${configFile} is not valid`);
  return doctorContext({ configFile: 'lifeboat.config.json', envName: 'dev', dataDir, mode: 'local' }, config, environment);
}

it('audit c7-3: a cloud.json that is not valid is reported as such, not as no cloud.json', async () => {
  const dataDir = path.join(tmp.dir, 'damaged-data-dir');
  mkdirSync(dataDir);
  writeFileSync(path.join(dataDir, 'cloud.json'), '{garbage\n');
  const { result } = checkLocalCloud(await localCloudStatus(dataDir), localDoctorContext(dataDir));
  expect(result).toMatchObject({
    name: 'local cloud',
    verdict: 'fail',
    detail: expect.stringMatching(new RegExp(`^${dataDir}/cloud\\.json is not valid: .*JSON.* \\(is a cloud running\\? \`lifeboat local status --data-dir ${dataDir}\`\\)$`)),
    fix: `if no cloud runs on ${dataDir}, remove ${dataDir}/cloud.json, then lifeboat local up --env dev --data-dir ${dataDir}`,
  });
});

it('review r11-F5: a cloud.json whose pid now belongs to another program says so, not that the pid is gone', async () => {
  const dataDir = path.join(tmp.dir, 'reused-data-dir');
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    const pid = other.pid ?? -1;
    const endpoints = { s3: { 'us-east-1': 'http://127.0.0.1:1' }, dynamodb: { 'us-east-1': 'http://127.0.0.1:1' } };
    writeCloudState(dataDir, { pid, processStartTime: String(Number(processStartTime(pid)) - 1), startedAt: new Date().toISOString(), regions: ['us-east-1'], endpoints });
    const { result } = checkLocalCloud(await localCloudStatus(dataDir), localDoctorContext(dataDir));
    expect(result).toMatchObject({
      verdict: 'fail',
      detail: `not running: pid ${pid} of ${dataDir}/cloud.json now belongs to another program (it started after the cloud)`,
      fix: `lifeboat local up --env dev --data-dir ${dataDir}`,
    });
  } finally {
    other.kill('SIGKILL');
  }
});
