import { createHash } from 'node:crypto';
import { type DrillLog } from '../catalog/drill-log';
import { type DrillRecord, type DrillReport, drillReportKey, drillReportSchema } from '../catalog/drill-record';
import { type VaultStore } from '../../vault';
import { DrillReportConflictError } from './drill-errors';

/** The bytes of a report object: indented JSON, one trailing newline (readable with `aws s3 cp … -`). */
export function drillReportBytes(report: DrillReport): Buffer {
  return Buffer.from(`${JSON.stringify(drillReportSchema.parse(report), null, 2)}\n`);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Equal reports, but for `endedAt`: a retried record step builds the same report at a later time. */
function sameDrill(a: DrillReport, b: DrillReport): boolean {
  return JSON.stringify({ ...a, endedAt: '' }) === JSON.stringify({ ...b, endedAt: '' });
}

/**
 * Writes `drills/<drillId>.json` into the vault the drill restored from, once: If-None-Match `*`, so
 * the evidence of a drill is never replaced. A retry that finds the object it wrote before (equal
 * bytes, or the same report written at an earlier `endedAt`) takes that object; any other report
 * under the key is DrillReportConflictError. Returns the report as stored, its key and the SHA-256 of
 * its bytes (what the catalog item records and `drills evidence` checks).
 */
export async function writeDrillReportObject(store: VaultStore, report: DrillReport): Promise<{ report: DrillReport; key: string; sha256: string }> {
  const key = drillReportKey(report.drillId);
  if (!store.putIfAbsent) throw new Error(`${store.location} cannot write objects only-if-absent; drill reports need S3 conditional writes`);
  const bytes = drillReportBytes(report);
  if (await store.putIfAbsent(key, bytes)) return { report, key, sha256: sha256(bytes) };
  const existing = await store.get(key);
  if (existing.equals(bytes)) return { report, key, sha256: sha256(existing) };
  let stored: DrillReport | undefined;
  try {
    stored = drillReportSchema.parse(JSON.parse(existing.toString('utf8')));
  } catch {
    stored = undefined;
  }
  if (stored && sameDrill(stored, report)) return { report: stored, key, sha256: sha256(existing) };
  throw new DrillReportConflictError(
    `${store.location}/${key} already holds a different report of drill ${report.drillId}; a drill's report is written once. Drill ids come from the execution's name and start time: start the drill as a new execution`,
  );
}

/** The drill's last step after the report is built: the immutable object, then the catalog item pointing at it. */
export async function recordDrillReport(report: DrillReport, deps: { store: VaultStore; drillLog: Pick<DrillLog, 'record'> }): Promise<DrillRecord> {
  const written = await writeDrillReportObject(deps.store, report);
  const record: DrillRecord = { ...written.report, reportKey: written.key, reportSha256: written.sha256 };
  await deps.drillLog.record(record);
  return record;
}
