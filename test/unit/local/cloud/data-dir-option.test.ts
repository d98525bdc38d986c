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

  it('leaves the option out for the default ./.lifeboat, however it is spelt', () => {
    expect(dataDirOption(undefined)).toBe('');
    expect(dataDirOption('.lifeboat')).toBe('');
    expect(dataDirOption(resolve('.lifeboat'))).toBe('');
    expect(new LocalCloudNotRunningError(resolve('.lifeboat')).message).toContain('start it with `lifeboat local up`.');
  });
});
