import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { type EnvironmentConfig } from '../config/lifeboat-config';
import { findEnvironment, loadLifeboatConfig } from '../config/load-config';
import { CLI_CLIENT_TIMEOUTS, requestClientSettings } from './client-timeouts';
import { runCredentialsAsGiven } from './run-credentials';
import { stackEnvironment, type StackEnvironmentOptions } from './stack-environment';
import { UsageError } from './usage-error';

/** How a command line names its environment: `--env` of `--config` (lifeboat.config.json), or `--stack` (a LifeboatProtection's). */
export type EnvironmentTarget = { config: string; env: string; aws?: boolean; stack?: string; stackRegion?: string; stackAccount?: string };

/** The commands that refuse `--stack`, and why (said after "--stack is not taken by lifeboat <command>: "). */
const STACK_REFUSED_BY: Readonly<Record<string, string>> = {
  doctor: "it checks an environment of the config file and the app it synthesizes; a LifeboatProtection's stack is checked by `cdk diff` of your app",
};

/** Which of the options that name a config file's environment the command line gave (not their defaults). */
export type ConfigOptionsGiven = { env: boolean; config: boolean };

/**
 * Why `--stack` was refused with these options, or undefined: `given`, whether the command line gave `--env` and
 * `--config` (both have defaults, which `--stack` ignores); `command`, the command's name.
 */
export function stackUsageIssue(target: Pick<EnvironmentTarget, 'aws' | 'stack' | 'stackAccount'>, given: ConfigOptionsGiven, command?: string): string | undefined {
  // It names whose copy of the stack's environment an outage uses: without --stack there is no copy to name.
  if (target.stack === undefined) return target.stackAccount !== undefined ? "--stack-account is taken only with --stack: it names the account of --stack's stack" : undefined;
  const refused = command !== undefined && Object.hasOwn(STACK_REFUSED_BY, command) ? STACK_REFUSED_BY[command] : undefined;
  if (refused !== undefined) return `--stack is not taken by lifeboat ${command}: ${refused}`;
  if (given.env) return `--stack and --env name the environment twice: give --stack for a LifeboatProtection's stack, or --env for an environment of the config file`;
  // Ignored without a word, --config would let the user believe its environment was the one acted on.
  if (given.config) return "--stack reads no config file, so --config would be ignored: give --stack for a LifeboatProtection's stack, or --config and --env for an environment of a config file";
  if (target.aws !== true) return '--stack needs --aws: a LifeboatProtection is reached in AWS only (the local cloud runs the environments of lifeboat.config.json)';
  if (target.stackAccount !== undefined && !/^\d{12}$/.test(target.stackAccount)) return `--stack-account ${JSON.stringify(target.stackAccount)} is not an account: give the 12 digits of the account of --stack's stack (the primary account)`;
  return undefined;
}

/**
 * The environment a command acts on: with `--stack`, the LifeboatProtection's read from its stack's outputs (by
 * DescribeStacks in --stack-region, else the SDK's region; the copy kept of it when that region does not answer, that
 * of --stack-account when given);
 * otherwise `--env` of the config file, as always.
 */
export async function targetEnvironment(target: EnvironmentTarget, cloudFormation?: CloudFormationClient, stackOptions?: StackEnvironmentOptions): Promise<EnvironmentConfig> {
  if (target.stack === undefined) return findEnvironment(loadLifeboatConfig(target.config), target.env);
  const issue = stackUsageIssue(target, { env: false, config: false });
  if (issue !== undefined) throw new UsageError(issue);
  const client =
    cloudFormation ??
    new CloudFormationClient({ ...requestClientSettings(CLI_CLIENT_TIMEOUTS), credentials: runCredentialsAsGiven(undefined, target.stackRegion), ...(target.stackRegion !== undefined ? { region: target.stackRegion } : {}) });
  try {
    return await stackEnvironment(target.stack, client, { ...stackOptions, ...(target.stackAccount !== undefined ? { stackAccount: target.stackAccount } : {}) });
  } finally {
    if (cloudFormation === undefined) client.destroy();
  }
}
