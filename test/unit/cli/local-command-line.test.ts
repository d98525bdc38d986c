import { resolve } from 'node:path';
import { localCommandLine } from '../../../cli/local-command-line';

/**
 * The hints of `lifeboat local …` act on the cloud they were printed about: its data directory, environment and config
 * when not the defaults, a path absolute (review r58E F3: relative, pasted in another directory it named another one).
 */
describe('localCommandLine', () => {
  it('adds --data-dir when not ./.lifeboat, to every local command', () => {
    expect(localCommandLine('down', { dataDir: '/tmp/audit/empty' })).toBe('lifeboat local down --data-dir /tmp/audit/empty');
    expect(localCommandLine('region start us-east-1', { dataDir: 'other' })).toBe(`lifeboat local region start us-east-1 --data-dir ${resolve('other')}`);
    expect(localCommandLine('down', { dataDir: '.lifeboat' })).toBe('lifeboat local down');
  });

  it('adds --env and --config to up and schedules only, and quotes what a shell would split', () => {
    expect(localCommandLine('up --with-schedules', { dataDir: '/tmp/my data', env: 'prod', config: 'conf/x.json' })).toBe(`lifeboat local up --with-schedules --env prod --config ${resolve('conf/x.json')} --data-dir '/tmp/my data'`);
    expect(localCommandLine('down', { dataDir: '.lifeboat', env: 'prod', config: 'conf/x.json' })).toBe('lifeboat local down');
    expect(localCommandLine('schedules fire NAME', { env: 'dev', config: 'lifeboat.config.json' })).toBe('lifeboat local schedules fire NAME');
  });
});
