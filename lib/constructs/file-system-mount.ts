import { Annotations, Fn } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { type EfsAccessConfig, type EfsMountConfig } from '../../config/lifeboat-config';

/** What a function does with the mounted files: 'read' (plan and snapshot a backup, check a restore target) or 'write' (restore). */
export type FileSystemAccess = 'read' | 'write';

/** NFS, the only protocol of EFS mount targets. */
const NFS_PORT = ec2.Port.tcp(efs.FileSystem.DEFAULT_PORT);

/** Construct id of the one mount of a protection (both workflows share it). */
const MOUNT_ID = 'FileSystemMount';

/** Ids of the warnings synth adds (acknowledge them with Annotations.of(scope).acknowledgeWarning). */
export const NO_FILE_SYSTEM_WARNING = 'lifeboat:filesystem-sources-not-mounted';
export const UNUSED_FILE_SYSTEM_WARNING = 'lifeboat:filesystem-not-used';
export const NO_DR_RESTORE_FILE_SYSTEM_WARNING = 'lifeboat:filesystem-sources-not-restorable-in-dr';

/**
 * A protection's EFS file system (`fileSystem` of LifeboatProtection, `fileSystem.efs` in lifeboat.config.json) as the Lambda
 * functions that read or write files mount it: the existing VPC, subnets, mount-target security
 * group, file system and access point, imported by id (no lookups: synth stays offline), and one
 * security group of its own for those functions. docs/ARCHITECTURE.md, "File systems in AWS (EFS)".
 *
 * The functions' security group allows out only NFS to the mount targets' group and HTTPS (the AWS
 * APIs: S3, DynamoDB, KMS, through endpoints or a NAT); the mount targets' group gets one ingress
 * rule, NFS from this group. IAM: ClientMount (+ ClientWrite for 'write') on this file system,
 * only through this access point; ENI management for the VPC attachment is added by LifeboatFunction.
 */
export class FileSystemMount extends Construct {
  /**
   * The mount of a protection's functions, or undefined when no function should mount anything:
   * no `efs` given (a warning when there are file-system sources, which then only the local cloud
   * can back up) or no file-system source to read (a warning too: nothing mounts it). Created as
   * `FileSystemMount` under `scope`; the warnings go on `scope` as well.
   */
  static forSources(scope: Construct, options: {
    /** The protected EFS file system and how the functions reach it. @default none: no function mounts anything (a warning when there are file-system sources) */
    readonly efs?: EfsMountConfig;
    readonly fileSystemSources: readonly string[];
    readonly environmentName: string;
  }): FileSystemMount | undefined {
    const { efs: config, fileSystemSources: fsSources, environmentName } = options;
    if (!config) {
      if (fsSources.length > 0) {
        Annotations.of(scope).addWarningV2(
          NO_FILE_SYSTEM_WARNING,
          `Lifeboat "${environmentName}" has file-system sources (${fsSources.join(', ')}) but no EFS file system ("fileSystem"): in AWS no function mounts them, so only the local cloud can back them up. Set fileSystem (in lifeboat.config.json: fileSystem.efs; docs/ARCHITECTURE.md, "File systems in AWS (EFS)").`,
        );
      }
      return undefined;
    }
    if (fsSources.length === 0) {
      Annotations.of(scope).addWarningV2(
        UNUSED_FILE_SYSTEM_WARNING,
        `Lifeboat "${environmentName}" configures an EFS file system (${config.fileSystemId}) but no plan has a file-system source: no function mounts it or runs in its VPC.`,
      );
      return undefined;
    }
    return new FileSystemMount(scope, MOUNT_ID, config);
  }

  /**
   * The mount of the DR region's writable file system (`fileSystem.efs.drRestore`) into the DR region's functions that
   * touch files (restore runbook, failover, drill), created as `DrRestoreMount` under `scope` (a construct of the DR
   * stack); undefined when there is no file-system source to restore. Without `drRestore` but with file-system sources,
   * a warning on `scope`: in AWS the DR region cannot restore them (the primary's file system is of another region and VPC).
   */
  static forDrRestore(scope: Construct, options: {
    /** The protected EFS file system and how the functions reach it. @default none: no function mounts anything (a warning when there are file-system sources) */
    readonly efs?: EfsMountConfig;
    readonly fileSystemSources: readonly string[];
    readonly environmentName: string;
  }): FileSystemMount | undefined {
    const { efs: config, fileSystemSources: fsSources, environmentName } = options;
    if (fsSources.length === 0) return undefined;
    if (!config?.drRestore) {
      Annotations.of(scope).addWarningV2(
        NO_DR_RESTORE_FILE_SYSTEM_WARNING,
        `Lifeboat "${environmentName}" has file-system sources (${fsSources.join(', ')}) but no writable file system in the DR region ("fileSystem.drRestore"): in AWS the DR region's restore runbook, failover and drill cannot write them, so with the primary region down they cannot be restored. Set fileSystem.drRestore (in lifeboat.config.json: fileSystem.efs.drRestore; docs/DEPLOYMENT.md, "A file system in the DR region").`,
      );
      return undefined;
    }
    return new FileSystemMount(scope, 'DrRestoreMount', config.drRestore);
  }

  /**
   * The mount of the file system's EFS replica in the DR region (`fileSystem.efs.replica`) into the DR mirror
   * check, created as `ReplicaMount` under `scope` (a construct of the DR stack).
   */
  static forReplica(scope: Construct, replica: EfsAccessConfig): FileSystemMount {
    return new FileSystemMount(scope, 'ReplicaMount', replica);
  }

  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /** The functions' own security group. */
  readonly securityGroup: ec2.SecurityGroup;
  readonly fileSystem: efs.IFileSystem;
  readonly accessPoint: efs.IAccessPoint;
  readonly mountPath: string;

  private constructor(scope: Construct, id: string, config: EfsAccessConfig) {
    super(scope, id);
    this.mountPath = config.mountPath;
    // Imported by attributes, never looked up. The subnets are named explicitly (below), so the VPC's own AZ list
    // only has to be a valid list: Fn::GetAZs, a token that nothing here renders into the template.
    this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: config.vpcId, availabilityZones: Fn.getAzs() });
    this.subnets = { subnets: config.subnetIds.map((subnetId) => ec2.Subnet.fromSubnetId(this, subnetId, subnetId)) };
    Annotations.of(this).acknowledgeWarning('@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones', 'The functions get their subnets by id (vpcSubnets.subnets); nothing selects subnets of this VPC by Availability Zone.');
    Annotations.of(this).acknowledgeWarning('@aws-cdk/aws-ec2:noSubnetRouteTableId', 'Nothing here reads the subnets\' route tables: Lifeboat adds no routes or endpoints to the existing VPC.');
    const mountTargets = ec2.SecurityGroup.fromSecurityGroupId(this, 'MountTargetSecurityGroup', config.securityGroupId, { allowAllOutbound: false });
    this.fileSystem = efs.FileSystem.fromFileSystemAttributes(this, 'FileSystem', { fileSystemId: config.fileSystemId, securityGroup: mountTargets });
    this.accessPoint = efs.AccessPoint.fromAccessPointAttributes(this, 'AccessPoint', { accessPointId: config.accessPointId, fileSystem: this.fileSystem });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: 'Lifeboat functions that mount the EFS file system: NFS to its mount targets, HTTPS to AWS APIs',
      allowAllOutbound: false,
    });
    // Egress on this group and the matching ingress on the mount targets' group (a rule resource of this stack).
    this.securityGroup.connections.allowTo(this.fileSystem, NFS_PORT, 'NFS to the EFS mount targets');
    // AWS service endpoints have no fixed addresses: S3 and DynamoDB gateway endpoints are prefix lists known only
    // per region at deploy time, interface endpoints and a NAT are chosen by the VPC's routes. So any IPv4 address, HTTPS only.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs (S3, DynamoDB, KMS) via VPC endpoints or NAT');
  }

  /** The lambda.FileSystem for a function: this access point at mountPath, with exactly the EFS actions `access` needs. */
  lambdaFileSystem(access: FileSystemAccess): lambda.FileSystem {
    return new EfsAccessPointMount({
      localMountPath: this.mountPath,
      arn: this.accessPoint.accessPointArn,
      dependency: [this.fileSystem.mountTargetsAvailable],
      connections: this.fileSystem.connections,
      policies: [this.clientStatement(access)],
    });
  }

  /**
   * ClientMount (read) or ClientMount + ClientWrite, on this file system, only through this access point
   * (which fixes the POSIX user and root directory). No ClientRootAccess: the access point's user is
   * enforced, so root is never needed; no "*" resource (lambda.FileSystem.fromEfsAccessPoint grants
   * ClientMount on "*" and ClientWrite to every client of the file system).
   */
  private clientStatement(access: FileSystemAccess): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions: access === 'write' ? ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'] : ['elasticfilesystem:ClientMount'],
      resources: [this.fileSystem.fileSystemArn],
      conditions: { StringEquals: { 'elasticfilesystem:AccessPointArn': this.accessPoint.accessPointArn } },
    });
  }
}

/** lambda.FileSystem's constructor is protected: this is its public form, for a config with our own policies. */
class EfsAccessPointMount extends lambda.FileSystem {
  constructor(config: lambda.FileSystemConfig) {
    super(config);
  }
}
