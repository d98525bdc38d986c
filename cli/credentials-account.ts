import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { accessKeyAccount, roleArnAccount } from './access-key-account';

/**
 * Whose credentials the SDK will use, found offline: in an outage of the primary region the CLI picks the copy of a
 * stack's environment by the credentials' account without a call to STS (review r61H).
 * - `account`: the account when the credentials tell it offline, else undefined (container or instance credentials,
 *   credential_process, an access key id of the old format, a profile without role_arn, sso_account_id or a key id);
 * - `who`: a stable name of the credentials, for the pointer to the account they last read a stack of
 *   (`profile-<name>`, `default`, `key-<hash of the key id>`, `web-identity-<hash of the role>`, `aws-vault-<profile>`,
 *   `container-<hash of the endpoint>`): two credentials of different accounts never share one (review r61O F1).
 */
export type CredentialsIdentity = { account?: string; who: string };

/**
 * The credentials in use, in the order of the SDK's chain (@aws-sdk/credential-provider-node: env → sso → ini →
 * process → tokenFile → container/instance): AWS_PROFILE, that profile (the SDK skips the environment's keys then);
 * else the environment's keys, only with their secret; else the `[default]` profile of the shared files when it gives
 * credentials; else web identity, only with its token file; else container or instance credentials, whose account is not known offline.
 */
export function credentialsIdentity(env: NodeJS.ProcessEnv = process.env): CredentialsIdentity {
  if (env.AWS_PROFILE) return { account: profileAccount(env.AWS_PROFILE, env), who: `profile-${env.AWS_PROFILE}` };
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    // A key id of the old format gives no account; an IAM user's key is long-lived, so its hash names it for good.
    return { account: accessKeyAccount(env.AWS_ACCESS_KEY_ID), who: `key-${shortHash(env.AWS_ACCESS_KEY_ID)}` };
  }
  const found = sharedOrMachineIdentity(env);
  // aws-vault serves each profile's session from a local server, the EC2 metadata one (--ec2-server, v6's --server)
  // as well as the container one (--ecs-server), and exports AWS_VAULT=<profile>: a name that outlives the server's
  // port, whatever its type (review r61O F1: prod's and staging's sessions shared the pointer `default`, and prod
  // failed over with staging's environment; review r61W F2: --ec2-server sets no container URI).
  return env.AWS_VAULT ? { ...found, who: `aws-vault-${env.AWS_VAULT}` } : found;
}

/** The rest of the chain: the shared files' `[default]`, web identity, else container or instance credentials. */
function sharedOrMachineIdentity(env: NodeJS.ProcessEnv): CredentialsIdentity {
  const profiles = sharedProfiles(env);
  if (givesCredentials(profiles.default)) return { account: profileAccount('default', env, profiles), who: 'default' };
  if (env.AWS_ROLE_ARN && env.AWS_WEB_IDENTITY_TOKEN_FILE) return { account: roleArnAccount(env.AWS_ROLE_ARN), who: `web-identity-${shortHash(env.AWS_ROLE_ARN)}` };
  // Container credentials (the SDK's fromContainerMetadata) are named by their endpoint, an instance's `default`.
  const endpoint = env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  return { who: endpoint ? `container-${shortHash(endpoint)}` : 'default' };
}

/**
 * The account of profile `name`, offline, taken in the order the SDK resolves a profile (review r61O F3:
 * node_modules/@aws-sdk/credential-provider-ini/dist-cjs/index.js, resolveProfileData): a role (role_arn with
 * source_profile or credential_source, not both: isAssumeRoleProfile) gives the role's account; else static keys
 * (both of them: isStaticCredsProfile) the account their key id encodes; else web identity (role_arn and
 * web_identity_token_file) the role's; else credential_process none; else SSO (any sso_* setting: isSsoProfile) its
 * sso_account_id. A role_arn without its source is no role to the SDK, and keys come before SSO.
 */
function profileAccount(name: string, env: NodeJS.ProcessEnv, profiles: Profiles = sharedProfiles(env)): string | undefined {
  const profile = profiles[name];
  if (profile === undefined) return undefined;
  const { role_arn: roleArn, source_profile: sourceProfile, credential_source: credentialSource } = profile;
  if (roleArn !== undefined && (sourceProfile !== undefined) !== (credentialSource !== undefined)) return roleArnAccount(roleArn);
  if (profile.aws_access_key_id !== undefined && profile.aws_secret_access_key !== undefined) return accessKeyAccount(profile.aws_access_key_id);
  if (roleArn !== undefined && profile.web_identity_token_file !== undefined) return roleArnAccount(roleArn);
  if (profile.credential_process !== undefined) return undefined;
  const ssoAccount = profile.sso_account_id;
  return ssoAccount !== undefined && /^\d{12}$/.test(ssoAccount) ? ssoAccount : undefined;
}

type Profiles = Record<string, Record<string, string>>;

/**
 * Whether `profile` gives credentials, so the SDK stops at it: a `[default]` of `aws configure` with only a region
 * does not, and the chain goes on to web identity or the container's or instance's credentials.
 */
function givesCredentials(profile: Record<string, string> | undefined): boolean {
  if (profile === undefined) return false;
  if (profile.aws_access_key_id !== undefined && profile.aws_secret_access_key !== undefined) return true;
  return ['role_arn', 'sso_account_id', 'sso_session', 'sso_start_url', 'credential_process', 'web_identity_token_file'].some((key) => profile[key] !== undefined);
}

/**
 * The profiles of the shared config and credentials files, merged as the SDK merges them (the credentials file's
 * settings over the config file's: mergeConfigFiles). The shared-ini loader is not a dependency of this CLI: the
 * files are read as its parseIni and getConfigData read them (node_modules/@smithy/core/dist-es/submodules/config/
 * shared-ini-file-loader/): `[profile name]` and `[default]` in the config file, and `[profile default]` replacing
 * `[default]` whole wherever it stands (review r61O F3); `[name]` in the credentials file; `;` and `#` comments;
 * indented sub-section settings not a profile's own.
 */
function sharedProfiles(env: NodeJS.ProcessEnv): Profiles {
  const home = env.HOME || homedir();
  const resolved = (file: string): string => (file.startsWith('~/') ? path.join(home, file.slice(2)) : file);
  const config = iniSections(resolved(env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config')));
  const credentials = iniSections(resolved(env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials')));
  const profiles: Profiles = {};
  // getConfigData starts from `[default]`, then each `[profile …]` section sets its name, `default` included.
  if (config.default !== undefined) profiles.default = { ...config.default };
  for (const [section, settings] of Object.entries(config)) {
    const name = /^profile\s+(["']?)(\S+)\1$/.exec(section)?.[2];
    if (name !== undefined) profiles[name] = { ...settings };
  }
  for (const [name, settings] of Object.entries(credentials)) profiles[name] = { ...profiles[name], ...settings };
  return profiles;
}

/** The sections of the ini file `file` and their settings; none when it cannot be read (the SDK ignores it too). */
function iniSections(file: string): Profiles {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const sections: Profiles = Object.create(null) as Profiles;
  let section: Record<string, string> | undefined;
  let subSection = false;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = (line.split(/(^|\s)[;#]/)[0] ?? '').trim();
    if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
      const name = trimmed.slice(1, -1).trim();
      section = sections[name] ?? (sections[name] = {});
      subSection = false;
      continue;
    }
    const equals = trimmed.indexOf('=');
    if (section === undefined || equals <= 0) continue;
    const key = trimmed.slice(0, equals).trim();
    const value = trimmed.slice(equals + 1).trim();
    // `s3 =` opens a sub-section: its indented settings are not the profile's own.
    if (value === '') subSection = true;
    else if (subSection && line.trimStart() !== line) continue;
    else {
      subSection = false;
      section[key] = value;
    }
  }
  return sections;
}

/** The first 16 hex digits of the sha256 of `text`: names credentials without writing their key id down. */
function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
