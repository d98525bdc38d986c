import * as path from 'node:path';
import { doctorContext, type DoctorMode } from '../../../cli/doctor/doctor-context';
import { type EnvironmentConfig, type LifeboatConfig } from '../../../config/lifeboat-config';
import { shellWordsAfterSpaces } from '../../../lambdas/runtime/shell-word';

/**
 * Review r59D F3: the doctor's fix lines carried --config and --data-dir as given, unquoted: a data directory `my cloud`
 * pasted as two words, `o'brien` opened a quote, and a relative one named another cloud when pasted in another
 * directory. They now follow the one rule of every printed command line (givenPathOption, shellWord): a path absolute,
 * each word as a shell reads it back.
 */

const environment = { name: 'dev', plans: [] } as unknown as EnvironmentConfig;
const config = { environments: [environment] } as unknown as LifeboatConfig;

/** The words a POSIX shell reads from `line` after its first word. */
function argv(line: string): string[] | undefined {
  return shellWordsAfterSpaces(line.slice(line.indexOf(' ')));
}

it.each(['my cloud', "o'brien", 'rel/.lb'])('a fix line names the data directory %j as one absolute word, and the config file too', (dataDir) => {
  const ctx = (mode: DoctorMode) => doctorContext({ configFile: 'conf dir/lifeboat.json', envName: 'dev', dataDir, mode }, config, environment);
  const configFile = path.resolve('conf dir/lifeboat.json');
  expect(argv(ctx('local').lifeboat('local up'))).toEqual(['local', 'up', '--env', 'dev', '--config', configFile, '--data-dir', path.resolve(dataDir)]);
  expect(argv(ctx('local').lifeboat('local down'))).toEqual(['local', 'down', '--data-dir', path.resolve(dataDir)]);
  expect(argv(ctx('aws').lifeboat('catalog rebuild --vault primary'))).toEqual(['catalog', 'rebuild', '--vault', 'primary', '--env', 'dev', '--config', configFile, '--aws']);
  expect(argv(ctx('aws').cdk('synth'))).toEqual(['cdk', 'synth', '-c', `config=${configFile}`]);
});

it('the literal defaults are left out, as the pasted line takes them in the directory it runs in', () => {
  const ctx = doctorContext({ configFile: 'lifeboat.config.json', envName: 'dev', dataDir: '.lifeboat', mode: 'local' }, config, environment);
  expect(ctx.lifeboat('local up')).toBe('lifeboat local up --env dev');
  expect(ctx.cdk('synth')).toBe('npx cdk synth');
});
