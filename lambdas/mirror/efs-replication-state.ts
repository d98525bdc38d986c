import { type Destination, DescribeReplicationConfigurationsCommand, type EFSClient } from '@aws-sdk/client-efs';

/** What EFS says of a file system's replication into one region. */
export type EfsReplicationState = {
  /** The read-only replica in the mirror region, when there is one. */
  destinationFileSystemId?: string;
  /** EFS's status of that destination (ENABLED, ENABLING, PAUSED, ERROR, …), or NONE. */
  status: string;
  /** Seconds since EFS's last completed sync into it (LastReplicatedTimestamp); null before the first. */
  lagSeconds: number | null;
  /** Why the mirror cannot be trusted now; absent when it replicates. */
  problem?: string;
};

/**
 * The replication of an EFS file system into `mirrorRegion`, as EFS reports it (the API of the source's
 * region): the destination, its status and the time since its last sync. The mirror check records
 * this for file-system mirrors; it cannot compare contents, because a Lambda in the DR region mounts
 * neither the source file system of the other region nor, without mount targets there, the replica.
 */
export async function efsReplicationState(efs: Pick<EFSClient, 'send'>, fileSystemId: string, mirrorRegion: string, now: number): Promise<EfsReplicationState> {
  let destinations: Destination[];
  try {
    const { Replications } = await efs.send(new DescribeReplicationConfigurationsCommand({ FileSystemId: fileSystemId }));
    destinations = (Replications ?? []).flatMap((r) => r.Destinations ?? []);
  } catch (err) {
    if ((err as Error).name !== 'ReplicationNotFound') throw err;
    destinations = [];
  }
  const destination = destinations.find((d) => d.Region === mirrorRegion);
  if (!destination) return { status: 'NONE', lagSeconds: null, problem: `file system ${fileSystemId} has no replication into ${mirrorRegion}: deploy the stacks again (the protection creates it)` };
  const last = destination.LastReplicatedTimestamp?.getTime();
  const lagSeconds = last === undefined ? null : Math.max(0, (now - last) / 1000);
  const state = { ...(destination.FileSystemId ? { destinationFileSystemId: destination.FileSystemId } : {}), status: destination.Status ?? 'UNKNOWN', lagSeconds };
  if (state.status !== 'ENABLED') return { ...state, problem: `EFS replication into ${mirrorRegion} is ${state.status}${destination.StatusMessage ? `: ${destination.StatusMessage}` : ''}` };
  if (lagSeconds === null) return { ...state, problem: `EFS replication into ${mirrorRegion} has not completed its first sync yet` };
  return state;
}
