import { createHash } from 'node:crypto';
import { type DrillRecord, type DrillVerdict } from '../../lambdas/catalog/drill-record';
import { type DrillAccess, type DrillSide } from './drill-access';
import { rpoCell, rtoCell } from './drill-report-text';

/**
 * `lifeboat drills evidence`: every drill of a period from both regions' catalogs, with its verdict
 * and figures, and proof that the report each catalog item describes is the one in the vault: the
 * object `drills/<id>.json` is read again from the vault of the drill and its SHA-256 compared with
 * the one recorded when it was written. A catalog item can be rewritten; the object is written once
 * (`If-None-Match: *`), so a difference means one of them was altered after the drill.
 */

export type ReportObjectCheck =
  | { status: 'match' }
  | { status: 'mismatch'; actualSha256: string }
  | { status: 'missing' }
  | { status: 'unreadable'; message: string };

export type DrillEvidenceEntry = { record: DrillRecord; check: ReportObjectCheck };

/** A catalog that could not be read (its region down, no access): the evidence is then incomplete. */
export type UnreadableCatalog = { vault: DrillSide; region: string; message: string };

export type DrillEvidenceSummary = {
  drills: number;
  verdicts: Record<DrillVerdict, number>;
  /** PASSED over all drills; null when there was none. */
  passRate: number | null;
  objects: Record<ReportObjectCheck['status'], number>;
};

export type DrillEvidence = {
  environment: string;
  since: string;
  until: string;
  plan?: string;
  summary: DrillEvidenceSummary;
  /** Oldest first. */
  drills: DrillEvidenceEntry[];
  unreadableCatalogs: UnreadableCatalog[];
};

/** The recorded SHA-256 against the object's bytes as read now (undefined: the vault has no such object). */
export function checkReportObject(record: Pick<DrillRecord, 'reportSha256'>, bytes: Uint8Array | undefined): ReportObjectCheck {
  if (bytes === undefined) return { status: 'missing' };
  const actualSha256 = createHash('sha256').update(bytes).digest('hex');
  return actualSha256 === record.reportSha256 ? { status: 'match' } : { status: 'mismatch', actualSha256 };
}

export function summarizeEvidence(drills: readonly DrillEvidenceEntry[]): DrillEvidenceSummary {
  const verdicts: Record<DrillVerdict, number> = { PASSED: 0, FAILED: 0, OBJECTIVE_MISSED: 0 };
  const objects: Record<ReportObjectCheck['status'], number> = { match: 0, mismatch: 0, missing: 0, unreadable: 0 };
  for (const d of drills) {
    verdicts[d.record.verdict]++;
    objects[d.check.status]++;
  }
  return { drills: drills.length, verdicts, passRate: drills.length ? verdicts.PASSED / drills.length : null, objects };
}

/** True when every report object matched and both catalogs were read: what exit 0 promises. */
export function evidenceComplete(evidence: DrillEvidence): boolean {
  return evidence.unreadableCatalogs.length === 0 && evidence.drills.every((d) => d.check.status === 'match');
}

export async function collectDrillEvidence(
  access: Pick<DrillAccess, 'drillLog' | 'readReportObject' | 'regionOf'> & { environment: { name: string } },
  options: { since: Date; until: Date; plan?: string; sides?: readonly DrillSide[] },
): Promise<DrillEvidence> {
  const drills: DrillEvidenceEntry[] = [];
  const unreadableCatalogs: UnreadableCatalog[] = [];
  for (const side of options.sides ?? (['primary', 'dr'] as const)) {
    let records: DrillRecord[];
    try {
      records = await access.drillLog(side).list({ since: options.since, ...(options.plan !== undefined ? { plan: options.plan } : {}) });
    } catch (err) {
      unreadableCatalogs.push({ vault: side, region: access.regionOf(side), message: err instanceof Error ? err.message : String(err) });
      continue;
    }
    // Read one at a time: a period holds a few drills a week, and this keeps a slow vault's load flat.
    for (const record of records) {
      if (new Date(record.startedAt) > options.until) continue;
      let check: ReportObjectCheck;
      try {
        check = checkReportObject(record, await access.readReportObject(record.vault, record.reportKey));
      } catch (err) {
        check = { status: 'unreadable', message: err instanceof Error ? err.message : String(err) };
      }
      drills.push({ record, check });
    }
  }
  drills.sort((a, b) => a.record.drillId.localeCompare(b.record.drillId));
  return {
    environment: access.environment.name,
    since: options.since.toISOString(),
    until: options.until.toISOString(),
    ...(options.plan !== undefined ? { plan: options.plan } : {}),
    summary: summarizeEvidence(drills),
    drills,
    unreadableCatalogs,
  };
}

function checkCell(check: ReportObjectCheck): string {
  if (check.status === 'match') return 'matches';
  if (check.status === 'mismatch') return `**MISMATCH** (object's SHA-256 is ${check.actualSha256})`;
  if (check.status === 'missing') return '**MISSING** from the vault';
  return `**UNREADABLE**: ${check.message}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The evidence as Markdown: header (environment, period), summary, one table row per drill, then what failed the check, named again. */
export function evidenceMarkdown(evidence: DrillEvidence): string {
  const { summary } = evidence;
  const lines = [
    `# Lifeboat drill evidence: environment ${evidence.environment}`,
    '',
    `- Environment: ${evidence.environment}`,
    `- Period: ${evidence.since} to ${evidence.until}`,
    `- Plans: ${evidence.plan ?? 'all'}`,
    `- Catalogs read: ${evidence.unreadableCatalogs.length === 0 ? 'primary and DR' : `**INCOMPLETE**, not read: ${evidence.unreadableCatalogs.map((u) => `${u.vault} (${u.region}): ${u.message}`).join('; ')}`}`,
    '',
    '## Summary',
    '',
    '| Verdict | Drills |',
    '| --- | ---: |',
    ...(['PASSED', 'OBJECTIVE_MISSED', 'FAILED'] as const).map((v) => `| ${v} | ${summary.verdicts[v]} |`),
    `| **Total** | ${summary.drills} |`,
    '',
    `Pass rate: ${summary.passRate === null ? 'no drill in the period' : `${(summary.passRate * 100).toFixed(1)} % (${summary.verdicts.PASSED} of ${summary.drills})`}.`,
    '',
    `Report objects re-read from their vaults: ${summary.objects.match} match their recorded SHA-256, ${summary.objects.mismatch} mismatch, ${summary.objects.missing} missing, ${summary.objects.unreadable} unreadable.`,
    '',
    '## Drills',
    '',
  ];
  if (evidence.drills.length === 0) lines.push('No drill in the period.');
  else {
    lines.push('| Drill | Plan | Vault (region) | Backup | Verdict | RTO / objective | RPO / objective | Report object | Recorded SHA-256 | Object check |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const { record: r, check } of evidence.drills) {
      const row = [r.drillId, r.plan, `${r.vault} (${r.region})`, r.backup?.backupId ?? '-', r.verdict, rtoCell(r), rpoCell(r), `\`${r.reportKey}\``, `\`${r.reportSha256}\``, checkCell(check)];
      lines.push(`| ${row.map(cell).join(' | ')} |`);
    }
  }
  const failed = evidence.drills.filter((d) => d.check.status !== 'match');
  if (failed.length > 0) {
    lines.push('', '## Report objects that failed the check', '');
    for (const { record: r, check } of failed) lines.push(`- **${check.status.toUpperCase()}**: drill ${r.drillId}, \`${r.reportKey}\` in the ${r.vault} vault (${r.region}): ${checkCell(check)}`);
  }
  return `${lines.join('\n')}\n`;
}
