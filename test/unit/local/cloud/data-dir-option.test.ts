import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { dataDirOption } from '../../../../local/cloud/data-dir-option';
import { LocalCloudAlreadyRunningError, LocalCloudNotRunningError } from '../../../../local/cloud/errors';

describe('the local cloud hints carry the data directory they are about', () => {
  it('names a data directory other than the default one, quoted for the shell when needed', () => {
    expect(dataDirOption('/tmp/run 1/cloud')).toBe(" --data-dir '/tmp/run 1/cloud'");
    expect(new LocalCloudNotRunningError('/tmp/cloud-a').message).toBe('No local cloud is running on /tmp/cloud-a; start it with `lifeboat local up --data-dir /tmp/cloud-a`.');
    expect(new LocalCloudAlreadyRunningError('/tmp/cloud-b', 42).message).toContain('stop it with `lifeboat local down --data-dir /tmp/cloud-b` first');
  });

  it('leaves the option out for none and for the literal default .lifeboat only', () => {
    expect(dataDirOption(undefined)).toBe('');
    expect(dataDirOption('.lifeboat')).toBe('');
  });

  // Review r58E F3: until then a relative one was printed as given, and pasted in another directory named another cloud;
  // and ./.lifeboat of this directory spelt absolute was left out as the default, which it is only here: the line pasted
  // elsewhere named that directory's cloud. The local cloud's own errors name its root, absolute, so they carry it too.
  it('names any other data directory absolute, this directory\'s .lifeboat spelt otherwise included', () => {
    expect(dataDirOption('../cloud-b')).toBe(` --data-dir ${resolve('../cloud-b')}`);
    expect(dataDirOption(resolve('.lifeboat'))).toBe(` --data-dir ${resolve('.lifeboat')}`);
    expect(dataDirOption('./.lifeboat')).toBe(` --data-dir ${resolve('.lifeboat')}`);
    expect(new LocalCloudNotRunningError(resolve('.lifeboat')).message).toContain(`start it with \`lifeboat local up --data-dir ${resolve('.lifeboat')}\`.`);
  });
});
