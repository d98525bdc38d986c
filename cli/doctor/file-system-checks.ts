import { readdir, stat } from 'node:fs/promises';
import {
  DescribeAccessPointsCommand,
  DescribeFileSystemsCommand,
  type EFSClient,
  type MountTargetDescription,
  paginateDescribeMountTargets,
} from '@aws-sdk/client-efs';
import { type EfsAccessConfig, type FileSystemSourceConfig } from '../../config/lifeboat-config';
import { checkSourceRoot, resolveSourceRoot } from '../../lambdas/sources/directory-source';
import { SourceRootNotDirectoryError } from '../../lambdas/sources/source-root-errors';
import { type CheckResult, fail, ok, skipped, warn } from './check-result';
import { type DoctorContext } from './doctor-context';
import { describeError } from './sdk-error';
import { regionUnansweredResult } from './unanswered-region';

/**
 * Group 4, file-system sources. Locally a source is a directory under the data directory's `fs/`,
 * mapped as the local executor maps it for the functions (LIFEBOAT_FS_ROOT: `/mnt/x` is `<fs>/mnt/x`).
 * In AWS the directories are on the environment's EFS file system, which only the functions inside
 * the VPC can read: the doctor checks the file system, its access point and the mount targets
 * (EFS Describe* calls), not the directories.
 */

export async function checkLocalDirectorySource(fsRoot: string, ctx: DoctorContext, source: FileSystemSourceConfig): Promise<CheckResult> {
  const name = `source ${source.name}`;
  const directory = resolveSourceRoot(source.path, { LIFEBOAT_FS_ROOT: fsRoot });
  const field = `${ctx.sourceField(source.name)}.path`;
  const where = `${source.path} (locally ${directory})`;
  try {
    const stats = await stat(directory);
    if (!stats.isDirectory()) return fail(name, `${where} is not a directory`, `make ${directory} a directory holding the files to back up, or correct ${field}`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail(name, `directory ${where} does not exist`, `mkdir -p ${directory} and put the files to back up in it, or correct ${field} in ${ctx.request.configFile}`);
    return fail(name, `directory ${where}: ${(err as Error).message}`, `make ${directory} readable by this user`);
  }
  // What the backup's plan step refuses (a symlink at or above the directory): stat above followed it (review r16).
  try {
    await checkSourceRoot(directory, source);
  } catch (err) {
    if (!(err instanceof SourceRootNotDirectoryError)) throw err;
    return fail(name, err.message, `point ${field} at the directory itself, reached through no symlink`);
  }
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch (err) {
    return fail(name, `directory ${where} is not readable: ${(err as Error).message}`, `make ${directory} readable by this user (chmod u+rx)`);
  }
  if (entries.length === 0) return warn(name, `directory ${where} is empty: a backup would be empty`, `put the files to back up in ${directory}, or correct ${field}`);
  return ok(name, `directory ${where}, ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} at the top`);
}

async function mountTargets(efs: EFSClient, fileSystemId: string): Promise<MountTargetDescription[]> {
  const targets: MountTargetDescription[] = [];
  for await (const page of paginateDescribeMountTargets({ client: efs }, { FileSystemId: fileSystemId })) targets.push(...(page.MountTargets ?? []));
  return targets;
}

/** Which mount a check is of: the sources' (`fileSystem.efs`, primary region) or the DR region's restore file system (`fileSystem.efs.drRestore`). */
export type EfsMountRole = 'sources' | 'dr-restore';

/** An EFS file system the functions mount: available, its access point on it, and a mount target in every configured subnet. */
export async function checkEfsMount(efs: EFSClient, ctx: DoctorContext, mount: EfsAccessConfig, role: EfsMountRole = 'sources'): Promise<CheckResult> {
  const name = `${role === 'dr-restore' ? 'DR file system' : 'file system'} ${mount.fileSystemId}`;
  const region = role === 'dr-restore' ? ctx.environment.drRegion : ctx.environment.primaryRegion;
  const field = `${role === 'dr-restore' ? 'fileSystem.efs.drRestore' : 'fileSystem.efs'} of environment ${ctx.environment.name}`;
  try {
    const fileSystem = (await efs.send(new DescribeFileSystemsCommand({ FileSystemId: mount.fileSystemId }))).FileSystems?.[0];
    if (!fileSystem) return fail(name, `EFS file system ${mount.fileSystemId} does not exist in ${region}`, `correct fileSystemId in ${field}`);
    if (fileSystem.LifeCycleState !== 'available') return fail(name, `EFS file system ${mount.fileSystemId} is ${fileSystem.LifeCycleState ?? '?'}`, 'wait until it is available, or correct fileSystemId');

    const accessPoint = (await efs.send(new DescribeAccessPointsCommand({ AccessPointId: mount.accessPointId }))).AccessPoints?.[0];
    if (!accessPoint) return fail(name, `access point ${mount.accessPointId} does not exist`, `create an access point on ${mount.fileSystemId}, or correct accessPointId in ${field}`);
    if (accessPoint.FileSystemId !== mount.fileSystemId) {
      return fail(name, `access point ${mount.accessPointId} belongs to ${accessPoint.FileSystemId ?? '?'}, not to ${mount.fileSystemId}`, `name an access point of ${mount.fileSystemId} in ${field}`);
    }
    if (accessPoint.LifeCycleState !== 'available') return fail(name, `access point ${mount.accessPointId} is ${accessPoint.LifeCycleState ?? '?'}`, 'wait until it is available');

    const targets = await mountTargets(efs, mount.fileSystemId);
    if (targets.length === 0) {
      return fail(name, `${mount.fileSystemId} has no mount target: the functions cannot mount it`, `aws efs create-mount-target --file-system-id ${mount.fileSystemId} --subnet-id ${mount.subnetIds[0] ?? '<subnet>'} --security-groups ${mount.securityGroupId}`);
    }
    const available = new Set(targets.filter((t) => t.LifeCycleState === 'available').map((t) => t.SubnetId));
    const without = mount.subnetIds.filter((s) => !available.has(s));
    if (without.length > 0) {
      // Lambda needs a mount target in each subnet's Availability Zone; one in another subnet of the
      // same zone also serves, and telling zones of subnets apart needs EC2, which the doctor does not call.
      const existing = targets.map((t) => `${t.SubnetId ?? '?'} (${t.AvailabilityZoneName ?? '?'}, ${t.LifeCycleState ?? '?'})`).join(', ');
      return warn(
        name,
        `no available mount target in subnet${without.length === 1 ? '' : 's'} ${without.join(', ')} (mount targets: ${existing}); the functions in those subnets mount only if their Availability Zone has one`,
        `aws efs create-mount-target --file-system-id ${mount.fileSystemId} --subnet-id ${without[0] ?? '<subnet>'} --security-groups ${mount.securityGroupId}, or list subnets that have one in ${field}`,
      );
    }
    return ok(name, `available, access point ${mount.accessPointId}, a mount target in each of ${mount.subnetIds.length} subnet${mount.subnetIds.length === 1 ? '' : 's'}`);
  } catch (err) {
    return (
      regionUnansweredResult(name, region, err, `cannot describe ${mount.fileSystemId}`) ??
      fail(name, `cannot describe ${mount.fileSystemId} in ${region}: ${describeError(err)}`, `allow elasticfilesystem:DescribeFileSystems, DescribeAccessPoints and DescribeMountTargets to the caller, or correct ${field}`)
    );
  }
}

/**
 * The DR region's own file system for file-system sources (`fileSystem.efs.drRestore`): without it the
 * DR region restores them nowhere in AWS (failover, DR restore, DR drill); with it, checked as the
 * sources' file system is, in the DR region; in a DR account of its own, not read with these credentials.
 */
export async function checkDrRestoreMount(efs: (region: string) => EFSClient, ctx: DoctorContext): Promise<CheckResult> {
  const { account, drAccount, drRegion, name: environment } = ctx.environment;
  const mount = ctx.environment.fileSystem?.efs.drRestore;
  if (!mount) {
    return warn(
      'DR file system',
      `environment ${environment} has file-system sources but no fileSystem.efs.drRestore: in AWS the DR region cannot restore them (failover, DR restore and DR drill of those sources fail at their restore)`,
      `create a writable EFS file system with an access point and mount targets in ${drRegion} and name it as "drRestore" inside fileSystem.efs (docs/DEPLOYMENT.md, "A file system in the DR region")`,
    );
  }
  if (drAccount !== undefined && drAccount !== account) {
    return warn(
      `DR file system ${mount.fileSystemId}`,
      `it is in account ${drAccount}, which the doctor does not read with account ${account}'s credentials`,
      `with account ${drAccount}'s credentials: aws efs describe-mount-targets --file-system-id ${mount.fileSystemId} --region ${drRegion}`,
    );
  }
  return checkEfsMount(efs(drRegion), ctx, mount, 'dr-restore');
}

/** A file-system source in AWS: it rests on the environment's file system, whose check came first. */
export function checkEfsSource(ctx: DoctorContext, source: FileSystemSourceConfig, fileSystemCheck: CheckResult | undefined): CheckResult {
  const name = `source ${source.name}`;
  const efs = ctx.environment.fileSystem?.efs;
  if (!efs || !fileSystemCheck) {
    return fail(
      name,
      `${source.path} is a file-system source, but environment ${ctx.environment.name} has no fileSystem.efs: in AWS no function can read it`,
      `add "fileSystem": { "efs": { ... } } to environment ${ctx.environment.name} in ${ctx.request.configFile} (docs/ARCHITECTURE.md, "File systems in AWS (EFS)")`,
    );
  }
  if (fileSystemCheck.verdict === 'fail') return skipped(name, `depends on ${fileSystemCheck.name}, which failed`);
  return ok(name, `${source.path} on ${efs.fileSystemId} through ${efs.accessPointId} (the directory itself is read by the backup inside the VPC)`);
}
