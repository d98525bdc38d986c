import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type Command } from 'commander';
import { z } from 'zod';
import { synthesizeEnvironment } from '../../local/assembly/synthesize';
import { localCloudStatus } from '../../local/cloud/local-cloud';
import { type CliIo, processIo } from '../cli-io';
import { DEFAULT_TOOLKIT_STACK_NAME } from '../doctor/bootstrap-checks';
import { DOCTOR_EXIT_FAILED, DOCTOR_EXIT_USAGE, doctorExitCode } from '../doctor/check-result';
import { awsDoctorClients, localDoctorClients } from '../doctor/doctor-clients';
import { type DoctorRequest } from '../doctor/doctor-context';
import { doctorReportJson, doctorReportLines } from '../doctor/doctor-report';
import { type DoctorDeps, runDoctor } from '../doctor/run-doctor';
import { type TargetOptions, withTargetOptions } from '../environment-access';
import { stackUsageIssue } from '../target-environment';

/**
 * `lifeboat doctor`: checks an environment before and after a deploy and prints one line per check
 * (docs/DOCTOR.md). Exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 the
 * command line is wrong.
 */
export type DoctorCommandOptions = TargetOptions & { json?: boolean; toolkitStackName?: string };
export type DoctorCommandDeps = { io: CliIo } & Omit<DoctorDeps, 'synthOutdir' | 'toolkitStackName'>;

const defaultDeps: DoctorCommandDeps = {
  io: processIo,
  synthesize: synthesizeEnvironment,
  now: () => new Date(),
  awsClients: awsDoctorClients,
  localClients: localDoctorClients,
  cloudStatus: (dataDir) => localCloudStatus(path.resolve(dataDir)),
};

/** The CDK CLI's bootstrap stack name for this project: cdk.json's `toolkitStackName`, else CDKToolkit. */
export function projectToolkitStackName(cdkJson = 'cdk.json'): string {
  try {
    const parsed = z.object({ toolkitStackName: z.string().min(1).optional() }).safeParse(JSON.parse(readFileSync(cdkJson, 'utf8')));
    return (parsed.success ? parsed.data.toolkitStackName : undefined) ?? DEFAULT_TOOLKIT_STACK_NAME;
  } catch {
    return DEFAULT_TOOLKIT_STACK_NAME;
  }
}

export async function doctorCommand(options: DoctorCommandOptions, deps: Partial<DoctorCommandDeps> = {}): Promise<number> {
  const { io, ...doctorDeps } = { ...defaultDeps, ...deps };
  // The doctor checks a config file's environment against the app it synthesizes: a LifeboatProtection's app is the user's own.
  const stackRefused = stackUsageIssue(options, { env: false, config: false }, 'doctor');
  if (stackRefused !== undefined) {
    io.err(`lifeboat doctor: ${stackRefused}`);
    return DOCTOR_EXIT_USAGE;
  }
  const request: DoctorRequest = { configFile: options.config, envName: options.env, dataDir: options.dataDir, mode: options.aws ? 'aws' : 'local' };
  // The doctor synthesizes for itself: the data dir's cdk.out may be in use by a local execution.
  const synthOutdir = mkdtempSync(path.join(tmpdir(), 'lifeboat-doctor-'));
  try {
    const results = await runDoctor(request, { ...doctorDeps, synthOutdir, toolkitStackName: options.toolkitStackName ?? projectToolkitStackName() });
    if (options.json) io.out(doctorReportJson(request, results));
    else doctorReportLines(request, results).forEach((line) => io.out(line));
    return doctorExitCode(results);
  } catch (err) {
    io.err(`lifeboat doctor: ${err instanceof Error ? err.message : String(err)}`);
    return DOCTOR_EXIT_FAILED;
  } finally {
    rmSync(synthOutdir, { recursive: true, force: true });
  }
}

export function registerDoctorCommand(program: Command): void {
  withTargetOptions(program.command('doctor').description('check an environment before and after a deploy: config, credentials or local cloud, bootstrap, sources, stacks, schedules, last backups (exit 0 ok or warnings, 1 a check failed, 2 bad usage)'))
    .option('--toolkit-stack-name <name>', "the CDK bootstrap stack's name (default: cdk.json's toolkitStackName, else CDKToolkit)")
    // A wrong command line is exit 2, as the other commands' usage errors; help stays 0.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : DOCTOR_EXIT_USAGE))
    .action(async (opts: DoctorCommandOptions) => {
      process.exitCode = await doctorCommand(opts);
    });
}
