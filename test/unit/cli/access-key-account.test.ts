import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { accessKeyAccount, roleArnAccount } from '../../../cli/access-key-account';
import { credentialsIdentity } from '../../../cli/credentials-account';

/** The account the copy of a stack's environment is kept for (review r60N F4), known offline from the credentials. */
describe('accessKeyAccount', () => {
  it("reads the account of the published example (Aidan Steele's and Tal Be'ery's: sts:GetAccessKeyInfo's answer)", () => {
    expect(accessKeyAccount('ASIAY34FZKBOKMUTVV7A')).toBe('609629065308');
    // psanford/aws-account-id-from-key's example.
    expect(accessKeyAccount('ASIAVJ2E6QGR2WZILJFM')).toBe('364679954851');
  });

  // Review r61B F1: an id of the old format does not encode its account (bit 47 clear: AKIAI…, AKIAJ…, ASIAJ…).
  it('gives no account for an id of the old format, rather than a made-up one', () => {
    expect(accessKeyAccount('AKIAIOSFODNN7EXAMPLE')).toBeUndefined();
    expect(accessKeyAccount('AKIAJ2ZQ4XKZ3RLP5YQA')).toBeUndefined();
    expect(accessKeyAccount('ASIAJ2ZQ4XKZ3RLP5YQA')).toBeUndefined();
    expect(accessKeyAccount('ASIAIXXXXXXXXXXXXXXX')).toBeUndefined();
  });

  it('gives no account for an id of another format', () => {
    expect(accessKeyAccount('test')).toBeUndefined();
    expect(accessKeyAccount('AKIA0000000000000000')).toBeUndefined();
    expect(accessKeyAccount('AROAY34FZKBOKMUTVV7A')).toBeUndefined();
  });
});

describe('roleArnAccount', () => {
  it("gives a role ARN's account, and nothing for another text", () => {
    expect(roleArnAccount('arn:aws:iam::111111111111:role/github-deploy')).toBe('111111111111');
    expect(roleArnAccount('arn:aws-us-gov:iam::222222222222:role/path/deploy')).toBe('222222222222');
    expect(roleArnAccount('deploy')).toBeUndefined();
  });
});

/** The account of the credentials in use, offline, in the SDK's chain order (review r61H). */
describe('credentialsIdentity', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-credentials-account-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'config');
  const credentials = path.join(dir, 'credentials');
  writeFileSync(
    config,
    [
      '# the shared config file',
      '[default]',
      'region = eu-west-1',
      '[profile sso-prod] ; comment',
      'sso_account_id = 111111111111',
      '[profile role-prod]',
      'role_arn = arn:aws:iam::333333333333:role/Ops',
      'source_profile = breakglass',
      '[profile "quoted"]',
      'sso_account_id = 444444444444',
      '[profile tool]',
      'credential_process = /usr/local/bin/get-creds',
      's3 =',
      '  role_arn = arn:aws:iam::555555555555:role/Nested',
      '[sso-prod]',
      'sso_account_id = 666666666666',
    ].join('\n'),
  );
  writeFileSync(credentials, '[breakglass]\naws_access_key_id = ASIAY34FZKBOKMUTVV7A\naws_secret_access_key = s\n[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n');
  const files = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, HOME: dir };

  it("gives a profile's account: its role's, else its SSO account, else its key id's; none for credential_process", () => {
    expect(credentialsIdentity({ ...files, AWS_PROFILE: 'sso-prod' })).toEqual({ account: '111111111111', who: 'profile-sso-prod' });
    expect(credentialsIdentity({ ...files, AWS_PROFILE: 'role-prod' }).account).toBe('333333333333');
    expect(credentialsIdentity({ ...files, AWS_PROFILE: 'breakglass' }).account).toBe('609629065308');
    expect(credentialsIdentity({ ...files, AWS_PROFILE: 'quoted' }).account).toBe('444444444444');
    // A sub-section's role is not the profile's; a config section without `profile ` is no profile (as in the SDK).
    expect(credentialsIdentity({ ...files, AWS_PROFILE: 'tool' }).account).toBeUndefined();
    expect(credentialsIdentity({ ...files, AWS_PROFILE: 'missing' })).toEqual({ who: 'profile-missing' });
  });

  it('follows the SDK: AWS_PROFILE over the keys, the keys (with their secret) over [default], [default] over web identity', () => {
    const keys = { AWS_ACCESS_KEY_ID: 'ASIAVJ2E6QGR2WZILJFM', AWS_SECRET_ACCESS_KEY: 's' };
    const webIdentity = { AWS_ROLE_ARN: 'arn:aws:iam::222222222222:role/ci', AWS_WEB_IDENTITY_TOKEN_FILE: '/token' };
    expect(credentialsIdentity({ ...files, ...keys, AWS_PROFILE: 'sso-prod' }).account).toBe('111111111111');
    expect(credentialsIdentity({ ...files, ...keys })).toEqual({ account: '364679954851', who: expect.stringMatching(/^key-[0-9a-f]{16}$/) });
    // [default]'s key id is of the old format: no account, its pointer is `default`.
    expect(credentialsIdentity({ ...files, AWS_ACCESS_KEY_ID: keys.AWS_ACCESS_KEY_ID, ...webIdentity })).toEqual({ who: 'default' });
    // A [default] with only a region gives no credentials: the SDK goes on to web identity.
    const regionOnly = { ...files, AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none') };
    expect(credentialsIdentity({ ...regionOnly, ...webIdentity }).account).toBe('222222222222');
    const none = { AWS_CONFIG_FILE: path.join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'), HOME: dir };
    expect(credentialsIdentity({ ...none, ...webIdentity }).account).toBe('222222222222');
    expect(credentialsIdentity(none)).toEqual({ who: 'default' });
  });

  // Review r61O F3: the order of @aws-sdk/credential-provider-ini's resolveProfileData and the shared-ini loader's getConfigData.
  it("reads a profile in the SDK's order: [profile default] over [default], a role only with its source, keys before SSO", () => {
    const sdkOrder = path.join(dir, 'sdk-order');
    writeFileSync(
      sdkOrder,
      [
        '[profile default]',
        'sso_account_id = 111111111111',
        '[default]',
        'sso_account_id = 222222222222',
        '[profile keys-and-sso]',
        'aws_access_key_id = ASIAY34FZKBOKMUTVV7A',
        'aws_secret_access_key = s',
        'sso_account_id = 111111111111',
        '[profile role-without-source]',
        'role_arn = arn:aws:iam::333333333333:role/Ops',
        'sso_account_id = 111111111111',
        '[profile role-with-both]',
        'role_arn = arn:aws:iam::333333333333:role/Ops',
        'source_profile = keys-and-sso',
        'credential_source = Environment',
        'aws_access_key_id = ASIAVJ2E6QGR2WZILJFM',
        'aws_secret_access_key = s',
        '[profile role-of-instance]',
        'role_arn = arn:aws:iam::333333333333:role/Ops',
        'credential_source = Ec2InstanceMetadata',
      ].join('\n'),
    );
    const only = { AWS_CONFIG_FILE: sdkOrder, AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'), HOME: dir };
    expect(credentialsIdentity(only)).toEqual({ account: '111111111111', who: 'default' });
    expect(credentialsIdentity({ ...only, AWS_PROFILE: 'keys-and-sso' }).account).toBe('609629065308');
    expect(credentialsIdentity({ ...only, AWS_PROFILE: 'role-without-source' }).account).toBe('111111111111');
    expect(credentialsIdentity({ ...only, AWS_PROFILE: 'role-with-both' }).account).toBe('364679954851');
    expect(credentialsIdentity({ ...only, AWS_PROFILE: 'role-of-instance' }).account).toBe('333333333333');
  });

  // Review r61O F1: aws-vault's --server/--ecs-server serve each profile's credentials by a container endpoint.
  it('names container credentials by aws-vault\'s profile, else by their endpoint; instance credentials are default', () => {
    const none = { AWS_CONFIG_FILE: path.join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'), HOME: dir };
    expect(credentialsIdentity({ ...none, AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:41001/', AWS_VAULT: 'prod' })).toEqual({ who: 'aws-vault-prod' });
    const full = credentialsIdentity({ ...none, AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:41001/' }).who;
    const relative = credentialsIdentity({ ...none, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc' }).who;
    expect([full, relative]).toEqual([expect.stringMatching(/^container-[0-9a-f]{16}$/), expect.stringMatching(/^container-[0-9a-f]{16}$/)]);
    expect(full).not.toBe(relative);
    expect(credentialsIdentity(none)).toEqual({ who: 'default' });
  });

  // Review r61W F2: aws-vault's --ec2-server (v6's --server) serves them as an instance's, with no container URI.
  it("names aws-vault's credentials by its profile whatever its server, and not keys it exported", () => {
    const none = { AWS_CONFIG_FILE: path.join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'), HOME: dir };
    expect(credentialsIdentity({ ...none, AWS_VAULT: 'prod' })).toEqual({ who: 'aws-vault-prod' });
    expect(credentialsIdentity({ ...none, AWS_VAULT: 'staging' })).toEqual({ who: 'aws-vault-staging' });
    expect(credentialsIdentity({ ...none, AWS_VAULT: 'prod', AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' }).who).toMatch(/^key-[0-9a-f]{16}$/);
  });
});
