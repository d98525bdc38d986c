import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { findEnvironment, loadLifeboatConfig } from '../../../../config/load-config';
import { parseRestoreRequest } from '../../../../lambdas/restore/restore-request';
import { checkTargetAllowed, defaultRestoreTargetPrefix } from '../../../../lambdas/restore/restore-target-policy';
import { REPO_ROOT, SAMPLE_CONFIG_FILE } from '../../../support/repo-root';
import { runbookExamples } from '../../../support/runbook-doc-examples';

/**
 * The restore examples of docs/RUNBOOKS.md before the state machine runs them (test/e2e/workflows/runbook-examples.test.ts):
 * every input passes the primary region's runbook's first checks for environment dev (audit R41 F3: the example
 * asked for a pointInTime from the DR vault, which that runbook cannot choose).
 */
const restore = runbookExamples(readFileSync(path.join(REPO_ROOT, 'docs', 'RUNBOOKS.md'), 'utf8')).find((e) => e.runbook === 'restore');
const sources = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev').plans.flatMap((p) => p.sources);

it('documents input examples the primary region\'s restore runbook accepts for environment dev', () => {
  expect(restore?.inputs.length).toBeGreaterThan(0);
  for (const input of restore?.inputs ?? []) {
    expect(() => {
      const request = parseRestoreRequest(input, sources, 'primary');
      checkTargetAllowed(defaultRestoreTargetPrefix('dev'), request.sourceConfig, request.target, undefined, sources);
    }).not.toThrow();
  }
});
