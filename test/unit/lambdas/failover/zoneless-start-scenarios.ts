import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../../lambdas/catalog/backup-record';
import { REBUILD_MARKER_KEY } from '../../../../lambdas/catalog/catalog-rebuild-marker';
import { recordInstant } from '../../../../lambdas/catalog/record-instant';
import { startDrill } from '../../../../lambdas/drill/drill-start';
import { selectDrillBackup } from '../../../../lambdas/drill/drill-selection';
import { resolveFailoverBackup } from '../../../../lambdas/failover/failover-start';
import { backupAt, drilledPlan } from '../drill/drill-test-plans';

/**
 * The choices of backups whose start names no zone, run by failover-start-times.test.ts in a child process under a
 * zone other than UTC (TZ is read at a process's start: jest's own runs in CI's UTC, where reading such a start in
 * the process's zone or as UTC agree, so the cases passed whichever the code did; review r64O F7). Prints one JSON
 * object: each scenario's answer, the chosen backup's id or the refusal's message.
 */

console.warn = (): void => undefined;
const ddb = mockClient(DynamoDBDocumentClient);
const catalog = new BackupCatalog(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-west-2' })), 'lifeboat-dev-catalog');
let items: Record<string, unknown>[] = [];
let marker: Record<string, unknown> | undefined;
ddb.on(QueryCommand).callsFake(() => ({ Items: [...items].sort((a, b) => String(b.startedAt).localeCompare(String(a.startedAt))) }));
ddb.on(GetCommand).callsFake((input: { Key: { pk: string } }) => ({ Item: input.Key.pk === REBUILD_MARKER_KEY.pk ? marker && { ...REBUILD_MARKER_KEY, ...marker } : items.find((i) => i.pk === input.Key.pk) }));

const totals = { entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 };
const itemOf = (plan: string, source: { name: string; type: 's3' | 'dynamodb' }, backupId: string, startedAt: string, extra: Record<string, unknown> = {}): Record<string, unknown> => {
  const record: BackupRecord = {
    backupId,
    plan,
    environment: 'dev',
    sourceNames: [source.name],
    sources: [{ ...source, snapshotId: `snap-${backupId}`, rootHash: 'root', ...totals }],
    strategy: 'full',
    status: 'COMMITTED',
    startedAt,
    shardCount: 1,
    totals,
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
  };
  return { pk: `BACKUP#${backupId}`, sk: 'BACKUP', ...record, ...extra };
};
const shop = (backupId: string, startedAt: string, extra?: Record<string, unknown>): Record<string, unknown> => itemOf('shop', { name: 'shop-assets', type: 's3' }, backupId, startedAt, extra);
const orders = (backupId: string, startedAt: string, extra?: Record<string, unknown>): Record<string, unknown> => itemOf('orders', { name: 'orders-table', type: 'dynamodb' }, backupId, startedAt, extra);

async function answer(run: () => Promise<{ backupId: string }>): Promise<string> {
  try {
    return (await run()).backupId;
  } catch (err) {
    return `refused: ${(err as Error).message}`;
  }
}
const failover = (at?: string): Promise<string> => answer(() => resolveFailoverBackup({ plan: 'shop', ...(at !== undefined ? { at } : {}) }, catalog, 'us-west-2'));

const noS3 = new Proxy({}, { get: () => () => Promise.reject(new Error('no S3 call expected')) }) as unknown as S3Client;
const tablePlan = { ...drilledPlan, sources: drilledPlan.sources.filter((s) => s.name === 'orders-table') };
const drill = (): Promise<string> =>
  answer(async () => {
    const started = await startDrill(
      { input: { plan: 'orders', selection: 'latest' }, execution: 'exec-1', startedAt: '2026-12-09T12:00:00.000Z' },
      { plans: [tablePlan], catalog, vault: 'primary', region: 'us-east-1', drillTargetPrefix: 'lifeboat-dev-drill-', s3: noS3 },
    );
    return { backupId: started.backup.backupId };
  });

async function scenarios(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  // 10:00 naming no zone is 10:00Z, newer than 09:30Z (in Asia/Kolkata time it was 04:30Z, older).
  items = [shop('20261207T093000Z-0000000a', '2026-12-07T09:30:00.000Z'), shop('hand-written-b', '2026-12-07T10:00:00')];
  out.failoverNewest = await failover();
  out.failoverAt0945 = await failover('2026-12-07T09:45:00Z');
  const options = { plan: 'shop', vault: 'primary' as const, selection: 'latest' as const, sources: ['assets'], windowDays: 2, startedAt: new Date('2026-12-07T12:00:00Z') };
  const selected = selectDrillBackup([backupAt('shop', '2026-12-07T09:30:00.000Z'), { ...backupAt('shop', '2026-12-07T09:30:00.000Z'), backupId: 'hand-written-b', startedAt: '2026-12-07T10:00:00' }], options);
  out.drillSelection = { backupId: selected.backup.backupId, backupAgeSeconds: selected.rpo.backupAgeSeconds };
  // The drill's start checks the newest it can drill against a damaged record of 09:45Z (drill-start.ts): the
  // zoneless 10:00 is newer, so nothing newer is unread.
  const damaged = orders('20261209T094500Z-0000000d', '2026-12-09T09:45:00.000Z', { totals: { ...totals, bytes: '1' } });
  items = [orders('20261209T093000Z-0000000a', '2026-12-09T09:30:00.000Z'), orders('20261209T100000Z-0000000b', '2026-12-09T10:00:00'), damaged];
  out.drillStart = await drill();

  // In America/New_York's spring gap 02:30 has no local fields (review r64O F8): read as UTC it is 02:30Z, older than 03:00Z.
  out.dstInstant = new Date(recordInstant('2026-03-08T02:30:00')).toISOString();
  out.dstLegacyInstant = new Date(recordInstant('Mar 8 2026 2:30 AM')).toISOString();
  items = [shop('20260308T030000Z-0000000a', '2026-03-08T03:00:00.000Z'), shop('hand-written-b', '2026-03-08T02:30:00')];
  out.dstNewest = await failover();
  out.dstAt0245 = await failover('2026-03-08T02:45:00Z');

  // The refusals show a zoneless start as the instant it was compared as (review r64O F2).
  items = [shop('hand-written-b', '2026-12-07T10:00:00')];
  marker = { reliableFrom: { startedAt: '2026-12-07T11:00:00.000Z', backupId: '20261207T110000Z-0000000m' }, vault: 'dr', writtenAt: '2026-12-07T12:00:00.000Z' };
  out.gapRefusal = await failover();
  marker = { reliableFrom: { startedAt: '2026-12-07T11:00:00', backupId: '20261207T110000Z-0000000m' }, vault: 'dr', writtenAt: '2026-12-07T12:00:00.000Z' };
  out.gapMarkRefusal = await failover();
  marker = undefined;
  items = [shop('hand-written-b', '2026-12-07T10:00:00'), shop('20261207T110000Z-0000000d', '2026-12-07T11:00:00', { totals: { ...totals, bytes: '1' } })];
  out.unreadableRefusal = await failover();
  return out;
}

void scenarios().then((out) => process.stdout.write(JSON.stringify(out)));
