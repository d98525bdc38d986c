import { DEFAULT_CONFIG_FILE } from '../config/load-config';
import { dataDirOption } from '../local/cloud/data-dir-option';
import { givenPathOption } from '../local/printed-path-option';
import { shellWord } from '../lambdas/runtime/shell-word';
import { type TargetOptions } from './environment-access';

// withTargetOptions' default --env: a printed command that leaves it out acts on this environment.
const DEFAULT_ENV = 'dev';

/**
 * The target options a printed `lifeboat …` command line needs to act where the command that printed it did, with a
 * leading space (empty when all are the defaults): `--stack` (and `--stack-region`, `--stack-account`) with `--aws` when given; else `--env` when not the default and `--config` when not the literal
 * default, then `--aws`, or `--data-dir` when not the literal default; a path absolute (givenPath). Without them a pasted
 * line runs against the local cloud of env dev: during an outage, a local failover instead of the one in AWS.
 */
export function targetOptionsLine(target: Pick<TargetOptions, 'env' | 'config' | 'dataDir' | 'aws' | 'stack' | 'stackRegion' | 'stackAccount'>): string {
  // A LifeboatProtection's environment is named by its stack (and region), in AWS only: no --env, no config file.
  if (target.stack !== undefined) return ` --stack ${shellWord(target.stack)}${target.stackRegion !== undefined ? ` --stack-region ${shellWord(target.stackRegion)}` : ''}${target.stackAccount !== undefined ? ` --stack-account ${shellWord(target.stackAccount)}` : ''} --aws`;
  const env = target.env !== DEFAULT_ENV ? ` --env ${shellWord(target.env)}` : '';
  return env + givenPathOption('--config', target.config, DEFAULT_CONFIG_FILE) + (target.aws ? ' --aws' : dataDirOption(target.dataDir));
}

/**
 * targetOptionsLine, then `--vault-key` when the command was given one with --aws: for a printed command that opens the
 * primary vault and takes the option (`catalog rebuild`, `verify`, `scrub`, `prune`). Pasted without it, such a line
 * opened the vault with alias/lifeboat-<env>-vault, and where the vault's key is another it failed at KMS (review r57Q F4).
 * Not in targetOptionsLine: a command without the option (a hold's release, a failover's finish) refuses the whole line.
 */
export function vaultTargetOptionsLine(target: Pick<TargetOptions, 'env' | 'config' | 'dataDir' | 'aws' | 'vaultKey' | 'stack' | 'stackRegion' | 'stackAccount'>): string {
  return targetOptionsLine(target) + vaultKeyOption(target);
}

/** ` --vault-key <key>` when the command was given one with --aws (the local cloud has no KMS key), or nothing. */
export function vaultKeyOption(target: Pick<TargetOptions, 'aws' | 'vaultKey'>): string {
  return target.aws && target.vaultKey ? ` --vault-key ${shellWord(target.vaultKey)}` : '';
}

/**
 * `lifeboat doctor` with the target options of the command that prints it, or undefined with --stack: the doctor refuses
 * --stack (it checks an environment of the config file, target-environment.ts), so that line would fail pasted (review
 * r62I F1). A caller given undefined says instead where else to look (DOCTOR_NOT_WITH_STACK).
 */
export function doctorCommandLine(target: Pick<TargetOptions, 'env' | 'config' | 'dataDir' | 'aws' | 'stack' | 'stackRegion' | 'stackAccount'>): string | undefined {
  return target.stack !== undefined ? undefined : `lifeboat doctor${targetOptionsLine(target)}`;
}

/** Why a line printed with --stack names no doctor line, said beside what it names instead. */
export const DOCTOR_NOT_WITH_STACK = 'the doctor does not take --stack';
