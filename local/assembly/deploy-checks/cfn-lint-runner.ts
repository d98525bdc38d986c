import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { type DeployCheckFinding, WHOLE_TEMPLATE } from './deploy-check-finding';
import { CfnLintOutputError } from './errors';

/** A cfn-lint rule left out on purpose: its id (`W3005`) and why, written where the list is kept. */
export type CfnLintIgnoredRule = { readonly rule: string; readonly reason: string };

export type CfnLintTemplate = { readonly stack: string; readonly path: string };

export type CfnLintResult =
  | { readonly ran: true; readonly findings: DeployCheckFinding[] }
  /** cfn-lint is not installed (it is a Python tool, not an npm dependency): `reason` says so and how to get it. */
  | { readonly ran: false; readonly reason: string };

const NOT_INSTALLED = 'cfn-lint is not installed (pip install cfn-lint, or pipx install cfn-lint)';

/**
 * The cfn-lint executable on PATH, found without running it (starting it costs about two seconds
 * of Python), or undefined. A pyenv shim counts as found; runCfnLint reports if it leads nowhere.
 */
export function findCfnLint(searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'cfn-lint');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

const cfnLintReport = z.array(
  z.object({
    Filename: z.string(),
    Level: z.string(),
    Message: z.string(),
    Location: z.object({ Path: z.array(z.union([z.string(), z.number()])).nullish() }),
    Rule: z.object({ Id: z.string() }),
  }),
);

/**
 * Lints the templates with cfn-lint, all in one process (its start is the slow part), against every
 * region given (a template is checked for each: resource types and properties must exist there).
 * Errors and warnings are findings, except warnings and errors of the rules in `ignore`.
 */
export async function runCfnLint(templates: readonly CfnLintTemplate[], options: { regions: readonly string[]; ignore: readonly CfnLintIgnoredRule[]; executable?: string }): Promise<CfnLintResult> {
  const executable = options.executable ?? findCfnLint();
  if (!executable) return { ran: false, reason: NOT_INSTALLED };
  const args = ['--format', 'json', '--regions', ...new Set(options.regions), '--', ...templates.map((t) => t.path)];
  const { exitCode, stdout, stderr, missing } = await run(executable, args);
  // ENOENT, or a shim (pyenv, asdf) whose Python has no cfn-lint: 127 is the shell's "command not found".
  if (missing || exitCode === 127) return { ran: false, reason: `${NOT_INSTALLED}: ${stderr.trim() || 'not found'}` };
  let report: z.infer<typeof cfnLintReport>;
  try {
    report = cfnLintReport.parse(JSON.parse(stdout));
  } catch (err) {
    throw new CfnLintOutputError(exitCode, stderr || stdout, { cause: err });
  }
  const ignored = new Set(options.ignore.map((i) => i.rule));
  const stackOf = new Map(templates.map((t) => [path.resolve(t.path), t.stack]));
  const findings = report
    .filter((entry) => (entry.Level === 'Error' || entry.Level === 'Warning') && !ignored.has(entry.Rule.Id))
    .map((entry) => {
      const location = entry.Location.Path ?? [];
      const inResource = location[0] === 'Resources' && typeof location[1] === 'string';
      return {
        stack: stackOf.get(path.resolve(entry.Filename)) ?? entry.Filename,
        logicalId: inResource ? String(location[1]) : WHOLE_TEMPLATE,
        path: (inResource ? location.slice(2) : location).join('.'),
        message: `cfn-lint ${entry.Rule.Id} (${entry.Level.toLowerCase()}): ${entry.Message}`,
      };
    });
  return { ran: true, findings };
}

function run(executable: string, args: string[]): Promise<{ exitCode: number | null; stdout: string; stderr: string; missing: boolean }> {
  return new Promise((resolve) => {
    execFile(executable, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      // cfn-lint exits non-zero whenever it reports something (2 errors, 4 warnings, 8 informational, or'ed).
      const code = error && typeof error.code === 'number' ? error.code : error ? null : 0;
      resolve({ exitCode: code, stdout, stderr, missing: error?.code === 'ENOENT' });
    });
  });
}
