/** A backup as the catalog records it. */
export type BackupStatus = 'RUNNING' | 'COMMITTED' | 'FAILED';

export type BackupRecord = {
  backupId: string;
  plan: string;
  environment: string;
  sources: string[];
  strategy: string;
  status: BackupStatus;
  startedAt: string;
  endedAt?: string;
  trigger?: string;
  shardCount: number;
  entries?: number;
  bytesScanned?: number;
  bytesNew?: number;
  error?: string;
  cause?: string;
};
