import { createHash } from 'node:crypto';
import { DRILL_REPORT_KEY } from '../../lambdas/catalog/drill-id';
import { type DrillRecord, type DrillReport, drillReportSchema, type DrillVerdict } from '../../lambdas/catalog/drill-record';
import { type DrillAccess, type DrillSide } from './drill-access';
import { rpoCell, rtoCell } from './drill-report-text';

/**
 * `lifeboat drills evidence`: every drill of a period, with its verdict and figures, and proof that
 * the catalog says what the vault holds. The evidence is the report object `drills/<id>.json`, written
 * once (`If-None-Match: *`) into the vault the drill restored from; the catalog item can be rewritten
 * or deleted by anyone with PutItem/DeleteItem on the table. So each object is read again, its SHA-256
 * compared with the one recorded when it was written and its content with the catalog item's (every
 * field but `reportKey`/`reportSha256`); the verdict and figures shown, and the pass rate, are the
 * object's. Each vault's `drills/` keys of the period are listed too (keys sort by drill start, so the
 * listing covers the period only), so an object no catalog item points at (a deleted record) is named.
 */

export type ReportObjectCheck =
  /** The object's bytes have the recorded SHA-256 and its content is the catalog item's. */
  | { status: 'match' }
  /** The object's bytes are not those recorded: one of the two was altered after the drill. `differences` as for `differs` (empty: only the bytes' layout changed). */
  | { status: 'mismatch'; actualSha256: string; differences: string[] }
  /** The object is the one recorded, but the catalog item says something else (a rewritten item): each field that differs, with both values. */
  | { status: 'differs'; differences: string[] }
  | { status: 'missing' }
  /** The object could not be read, or is not a drill report. */
  | { status: 'unreadable'; message: string }
  /** An object in the vault that no catalog item of the period points at: its record was deleted, or the drill's record step never wrote it. */
  | { status: 'unrecorded' };

export type ReportObjectStatus = ReportObjectCheck['status'];

export type DrillEvidenceEntry = {
  drillId: string;
  /** The vault holding (or that should hold) the report object, and its region. */
  vault: DrillSide;
  region: string;
  reportKey: string;
  /** The catalog item; absent for an object no catalog item points at. */
  record?: DrillRecord;
  /** The report object as read from the vault: what the evidence shows. Absent when missing or unreadable. */
  report?: DrillReport;
  check: ReportObjectCheck;
};

/** A catalog or a vault listing that could not be read (its region down, no access): the evidence is then incomplete. */
export type UnreadableCatalog = { vault: DrillSide; region: string; message: string };
export type UnlistedVault = { vault: DrillSide; region: string; message: string };

export type DrillEvidenceSummary = {
  drills: number;
  /** The report objects' verdicts (the catalog's only where the object could not be read). */
  verdicts: Record<DrillVerdict, number>;
  /** Drills with neither a readable object nor a catalog item (an unreadable object found by the listing): counted as not passed. */
  noVerdict: number;
  /** PASSED over all drills; null when there was none. */
  passRate: number | null;
  objects: Record<ReportObjectStatus, number>;
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
  unlistedVaults: UnlistedVault[];
};

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The object's bytes as a drill report, or why they are not one. */
export function parseReportObject(bytes: Uint8Array): { report: DrillReport } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    return { problem: `not JSON: ${errorMessage(err)}` };
  }
  const parsed = drillReportSchema.safeParse(json);
  if (parsed.success) return { report: parsed.data };
  return { problem: `not a drill report: ${parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(object)'}: ${i.message}`).join('; ')}` };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const shown = (v: unknown) => {
  if (v === undefined) return 'absent';
  const text = JSON.stringify(v);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
};

function collectDifferences(path: string, catalog: unknown, object: unknown, out: string[]): void {
  if (Array.isArray(catalog) && Array.isArray(object)) {
    if (catalog.length !== object.length) out.push(`${path}: ${catalog.length} in the catalog, ${object.length} in the object`);
    else catalog.forEach((c, i) => collectDifferences(`${path}[${i}]`, c, object[i], out));
    return;
  }
  if (isRecord(catalog) && isRecord(object)) {
    // The object's field order (the schema's), then fields only the catalog has.
    const keys = [...Object.keys(object), ...Object.keys(catalog).filter((k) => !(k in object))];
    for (const key of keys) collectDifferences(path ? `${path}.${key}` : key, catalog[key], object[key], out);
    return;
  }
  if (catalog !== object) out.push(`${path}: catalog ${shown(catalog)}, object ${shown(object)}`);
}

/** Every field of the catalog item (but where its object is and its SHA-256) that differs from the report object, with both values. */
export function recordDifferences(record: DrillRecord, report: DrillReport): string[] {
  const { reportKey: _key, reportSha256: _sha, ...recorded } = record;
  const out: string[] = [];
  collectDifferences('', recorded, report, out);
  return out;
}

/**
 * A catalog item against its report object as read now (undefined: the vault has no such object): the
 * bytes against the recorded SHA-256, the content against the item. Also returns the parsed object.
 */
export function checkReportObject(record: DrillRecord, bytes: Uint8Array | undefined): { check: ReportObjectCheck; report?: DrillReport } {
  if (bytes === undefined) return { check: { status: 'missing' } };
  const actualSha256 = createHash('sha256').update(bytes).digest('hex');
  const parsed = parseReportObject(bytes);
  if ('problem' in parsed) {
    return { check: actualSha256 === record.reportSha256 ? { status: 'unreadable', message: parsed.problem } : { status: 'mismatch', actualSha256, differences: [parsed.problem] } };
  }
  const differences = recordDifferences(record, parsed.report);
  if (actualSha256 !== record.reportSha256) return { check: { status: 'mismatch', actualSha256, differences }, report: parsed.report };
  return { check: differences.length ? { status: 'differs', differences } : { status: 'match' }, report: parsed.report };
}

/** What the evidence shows of a drill: its report object, or the catalog item where the object could not be read. */
export function evidenceReport(entry: DrillEvidenceEntry): DrillReport | undefined {
  return entry.report ?? entry.record;
}

export function summarizeEvidence(drills: readonly DrillEvidenceEntry[]): DrillEvidenceSummary {
  const verdicts: Record<DrillVerdict, number> = { PASSED: 0, FAILED: 0, OBJECTIVE_MISSED: 0 };
  const objects: Record<ReportObjectStatus, number> = { match: 0, mismatch: 0, differs: 0, missing: 0, unreadable: 0, unrecorded: 0 };
  let noVerdict = 0;
  for (const d of drills) {
    objects[d.check.status]++;
    const report = evidenceReport(d);
    if (report) verdicts[report.verdict]++;
    else noVerdict++;
  }
  return { drills: drills.length, verdicts, noVerdict, passRate: drills.length ? verdicts.PASSED / drills.length : null, objects };
}

/** True when every report object matched its catalog item and every catalog and vault was read: what exit 0 promises. */
export function evidenceComplete(evidence: DrillEvidence): boolean {
  return evidence.unreadableCatalogs.length === 0 && evidence.unlistedVaults.length === 0 && evidence.drills.every((d) => d.check.status === 'match');
}

type EvidenceAccess = Pick<DrillAccess, 'drillLog' | 'readReportObject' | 'listReportKeys' | 'regionOf'> & { environment: { name: string } };

async function readObject(access: EvidenceAccess, side: DrillSide, key: string): Promise<{ bytes: Uint8Array | undefined } | { message: string }> {
  try {
    return { bytes: await access.readReportObject(side, key) };
  } catch (err) {
    return { message: errorMessage(err) };
  }
}

export async function collectDrillEvidence(access: EvidenceAccess, options: { since: Date; until: Date; plan?: string; sides?: readonly DrillSide[] }): Promise<DrillEvidence> {
  const sides = options.sides ?? (['primary', 'dr'] as const);
  const entries: DrillEvidenceEntry[] = [];
  const unreadableCatalogs: UnreadableCatalog[] = [];
  const unlistedVaults: UnlistedVault[] = [];
  const claimed = new Set<string>();
  const claim = (side: DrillSide, key: string) => `${side} ${key}`;
  const readSides: DrillSide[] = [];
  for (const side of sides) {
    let records: DrillRecord[];
    try {
      // Every plan's: a rewritten `plan` must not hide an item from a --plan run; the plan is kept below, from the item or its object.
      records = await access.drillLog(side).list({ since: options.since });
    } catch (err) {
      unreadableCatalogs.push({ vault: side, region: access.regionOf(side), message: errorMessage(err) });
      continue;
    }
    readSides.push(side);
    // Read one at a time: a period holds a few drills a week, and this keeps a slow vault's load flat.
    for (const record of records) {
      claimed.add(claim(record.vault, record.reportKey));
      const read = await readObject(access, record.vault, record.reportKey);
      const { check, report } = 'message' in read ? { check: { status: 'unreadable', message: read.message } as const, report: undefined } : checkReportObject(record, read.bytes);
      entries.push({ drillId: record.drillId, vault: record.vault, region: access.regionOf(record.vault), reportKey: record.reportKey, record, ...(report ? { report } : {}), check });
    }
  }
  // A vault whose region's catalog was not read cannot tell a deleted record from an unread one: the evidence is already incomplete.
  for (const side of readSides) {
    let keys: string[];
    try {
      keys = await access.listReportKeys(side, { since: options.since, until: options.until });
    } catch (err) {
      unlistedVaults.push({ vault: side, region: access.regionOf(side), message: errorMessage(err) });
      continue;
    }
    for (const key of keys) {
      if (claimed.has(claim(side, key))) continue;
      const drillId = DRILL_REPORT_KEY.exec(key)?.[1] ?? key;
      const read = await readObject(access, side, key);
      if ('message' in read) entries.push({ drillId, vault: side, region: access.regionOf(side), reportKey: key, check: { status: 'unreadable', message: read.message } });
      else if (read.bytes === undefined) continue; // Deleted since the listing.
      else {
        const parsed = parseReportObject(read.bytes);
        entries.push({ drillId, vault: side, region: access.regionOf(side), reportKey: key, ...('report' in parsed ? { report: parsed.report } : {}), check: 'report' in parsed ? { status: 'unrecorded' } : { status: 'unreadable', message: parsed.problem } });
      }
    }
  }
  // In the period and of the plan by either account: a drill the catalog and the object disagree on stays listed.
  const inScope = (entry: DrillEvidenceEntry) => {
    const accounts = [entry.record, entry.report].filter((r): r is DrillReport => r !== undefined);
    if (accounts.length === 0) return true;
    return accounts.some((r) => new Date(r.startedAt) <= options.until) && (options.plan === undefined || accounts.some((r) => r.plan === options.plan));
  };
  const drills = entries.filter(inScope).sort((a, b) => a.drillId.localeCompare(b.drillId) || a.vault.localeCompare(b.vault));
  return {
    environment: access.environment.name,
    since: options.since.toISOString(),
    until: options.until.toISOString(),
    ...(options.plan !== undefined ? { plan: options.plan } : {}),
    summary: summarizeEvidence(drills),
    drills,
    unreadableCatalogs,
    unlistedVaults,
  };
}

function checkCell(entry: DrillEvidenceEntry): string {
  const { check } = entry;
  if (check.status === 'match') return 'matches';
  if (check.status === 'mismatch') return `**MISMATCH** (object's SHA-256 is ${check.actualSha256})${check.differences.length ? `; catalog differs: ${check.differences.join('; ')}` : ''}`;
  if (check.status === 'differs') return `**CATALOG DIFFERS** from the report object: ${check.differences.join('; ')}`;
  if (check.status === 'missing') return '**MISSING** from the vault (figures from the catalog item)';
  if (check.status === 'unrecorded') return '**NO CATALOG ITEM** (record deleted, or never written)';
  return `**UNREADABLE**: ${check.message}${entry.record ? ' (figures from the catalog item)' : ''}`;
}

/** One line per problem, for stderr: the document goes to a file, the failures to the person running it. */
export function evidenceProblems(evidence: DrillEvidence): string[] {
  const lines = [
    ...evidence.unreadableCatalogs.map((u) => `INCOMPLETE: the ${u.vault} catalog (${u.region}) could not be read: ${u.message}`),
    ...evidence.unlistedVaults.map((u) => `INCOMPLETE: the report objects (drills/) of the ${u.vault} vault (${u.region}) could not be listed: ${u.message}`),
  ];
  for (const entry of evidence.drills) {
    const { check, record, reportKey, drillId, vault } = entry;
    const object = `the report object ${reportKey} of drill ${drillId} in the ${vault} vault`;
    if (check.status === 'match') continue;
    if (check.status === 'mismatch') {
      lines.push(`MISMATCH: ${object} has SHA-256 ${check.actualSha256}, the catalog recorded ${record?.reportSha256 ?? '-'}${check.differences.length ? `; catalog differs: ${check.differences.join('; ')}` : ''}`);
    } else if (check.status === 'differs') lines.push(`DIFFERS: the catalog item of drill ${drillId} differs from ${object}: ${check.differences.join('; ')}`);
    else if (check.status === 'missing') lines.push(`MISSING: ${object} is not in the vault`);
    else if (check.status === 'unrecorded') {
      const verdict = entry.report ? ` (plan ${entry.report.plan}, ${entry.report.verdict})` : '';
      lines.push(`UNRECORDED: ${object}${verdict} has no catalog item: the item was deleted, or the drill's record step never wrote it`);
    } else lines.push(`UNREADABLE: ${object} could not be read: ${check.message}`);
  }
  return lines;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function sourcesCell(report: DrillReport): string {
  const restored = report.sources.filter((s) => s.error === undefined && s.verifiedEntries === s.entries).length;
  const items = report.totals.items !== undefined ? ` (${report.totals.items} items)` : '';
  return `${restored} of ${report.sources.length} verified; ${report.totals.entries} entries${items}, ${report.totals.bytes} bytes`;
}

/** The evidence as Markdown: header (environment, period), summary, one table row per drill with the report object's figures, then what failed the check, named again. */
export function evidenceMarkdown(evidence: DrillEvidence): string {
  const { summary } = evidence;
  const { objects } = summary;
  const notRead = [
    ...evidence.unreadableCatalogs.map((u) => `${u.vault} catalog (${u.region}): ${u.message}`),
    ...evidence.unlistedVaults.map((u) => `${u.vault} vault's drills/ (${u.region}): ${u.message}`),
  ];
  const lines = [
    `# Lifeboat drill evidence: environment ${evidence.environment}`,
    '',
    `- Environment: ${evidence.environment}`,
    `- Period: ${evidence.since} to ${evidence.until}`,
    `- Plans: ${evidence.plan ?? 'all'}`,
    `- Catalogs and vaults read: ${notRead.length === 0 ? 'primary and DR' : `**INCOMPLETE**, not read: ${notRead.join('; ')}`}`,
    '',
    '## Summary',
    '',
    'Verdicts and figures are those of the report objects in the vaults (written once by each drill), each compared with its catalog item.',
    '',
    '| Verdict | Drills |',
    '| --- | ---: |',
    ...(['PASSED', 'OBJECTIVE_MISSED', 'FAILED'] as const).map((v) => `| ${v} | ${summary.verdicts[v]} |`),
    ...(summary.noVerdict ? [`| unknown (object unreadable) | ${summary.noVerdict} |`] : []),
    `| **Total** | ${summary.drills} |`,
    '',
    `Pass rate: ${summary.passRate === null ? 'no drill in the period' : `${(summary.passRate * 100).toFixed(1)} % (${summary.verdicts.PASSED} of ${summary.drills})`}.`,
    '',
    `Report objects re-read from their vaults: ${objects.match} match their catalog item (SHA-256 and content), ${objects.mismatch} mismatch their recorded SHA-256, ` +
      `${objects.differs} differ from their catalog item, ${objects.missing} missing, ${objects.unreadable} unreadable, ${objects.unrecorded} without a catalog item.`,
    '',
    '## Drills',
    '',
  ];
  if (evidence.drills.length === 0) lines.push('No drill in the period.');
  else {
    lines.push('| Drill | Plan | Vault (region) | Backup | Verdict | RTO / objective | RPO / objective | Sources, totals | Report object | Recorded SHA-256 | Object check |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const entry of evidence.drills) {
      const r = evidenceReport(entry);
      const figures = r ? [r.plan, `${r.vault} (${r.region})`, r.backup?.backupId ?? '-', r.verdict, rtoCell(r), rpoCell(r), sourcesCell(r)] : ['-', `${entry.vault} (${entry.region})`, '-', '-', '-', '-', '-'];
      const row = [entry.drillId, ...figures, `\`${entry.reportKey}\``, entry.record ? `\`${entry.record.reportSha256}\`` : '-', checkCell(entry)];
      lines.push(`| ${row.map(cell).join(' | ')} |`);
    }
  }
  const failed = evidence.drills.filter((d) => d.check.status !== 'match');
  if (failed.length > 0) {
    lines.push('', '## Report objects that failed the check', '');
    for (const entry of failed) lines.push(`- **${entry.check.status.toUpperCase()}**: drill ${entry.drillId}, \`${entry.reportKey}\` in the ${entry.vault} vault (${entry.region}): ${cell(checkCell(entry))}`);
  }
  return `${lines.join('\n')}\n`;
}
