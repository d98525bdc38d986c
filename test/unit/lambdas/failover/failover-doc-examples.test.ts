import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { findEnvironment, loadLifeboatConfig } from '../../../../config/load-config';
import { failoverReport } from '../../../../lambdas/failover/failover-report';
import { parseFailoverRequest } from '../../../../lambdas/failover/failover-request';
import { type FailoverStart } from '../../../../lambdas/failover/failover-start';
import { REPO_ROOT, SAMPLE_CONFIG_FILE } from '../../../support/repo-root';
import { runbookExamples } from '../../../support/runbook-doc-examples';

/**
 * The failover examples of docs/RUNBOOKS.md before the state machine runs them (test/e2e/workflows/
 * runbook-examples.test.ts): every input is valid for environment dev, and the output example has
 * exactly the fields of a report the report step computes.
 */
const failover = runbookExamples(readFileSync(path.join(REPO_ROOT, 'docs', 'RUNBOOKS.md'), 'utf8')).find((e) => e.runbook === 'failover');
const { plans } = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');

function keysOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keysOf);
  if (value === null || typeof value !== 'object') return typeof value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, keysOf(v)]));
}

it('documents input examples that are valid for environment dev', () => {
  expect(failover?.inputs.length).toBeGreaterThan(0);
  for (const input of failover?.inputs ?? []) expect(() => parseFailoverRequest(input, plans)).not.toThrow();
});

it('documents an output with the fields of a real report, figures consistent with its times', () => {
  const [documented] = failover?.outputs ?? [];
  const doc = documented as ReturnType<typeof failoverReport>;
  const start: FailoverStart = {
    failoverId: doc.failoverId,
    plan: doc.plan,
    startedAt: doc.startedAt,
    backup: doc.backup,
    restores: doc.sources.map((s) => ({ restoreId: `r-${s.source}`, request: { source: s.source, backupId: doc.backup.backupId, target: { type: 'filesystem', path: '/x' }, overwrite: false, vault: 'dr' } })),
  };
  const restored = doc.sources.map((s) => ({ restoreId: `r-${s.source}`, source: s.source, target: { type: s.type }, targetDescription: s.target, entries: s.entries, ...(s.items !== undefined ? { items: s.items } : {}), bytes: s.bytes, durationMs: s.rtoSeconds * 1000 }));
  const real = failoverReport({ failover: start, restored, finishedAt: doc.finishedAt }, plans);
  expect(keysOf(documented)).toEqual(keysOf(real));
  expect(real).toEqual(documented);
});
