import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { type DeployCheckFinding, WHOLE_TEMPLATE } from './deploy-check-finding';
import { CfnLintOutputError } from './errors';

/** A cfn-lint rule left out on purpose: its id (`W3005`) and why, written where the list is kept. */
export type CfnLintIgnoredRule = { readonly rule: string; readonly reason: string };

/** A template file, the stack it belongs to and the region that stack deploys to. */
export type CfnLintTemplate = { readonly stack: string; readonly path: string; readonly region: string };

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
 * Lints each template with cfn-lint against the region its stack deploys to (resource types and
 * properties must exist there): one cfn-lint process per region, side by side. Until 2026-12-03
 * every template was linted against every region of the set, which checked stacks against regions
 * they are never deployed to. Side by side, the deploy-check test's lint (eight templates, four
 * regions) took 46 s of wall time instead of 88 s on the 2-core machine, for the same CPU time
 * (about 130 CPU-s for the whole file either way): each process pays cfn-lint's start and schema
 * loading, which the extra regions of one process had shared. Errors and warnings are findings,
 * except warnings and errors of the rules in `ignore`.
 */
export async function runCfnLint(templates: readonly CfnLintTemplate[], options: { ignore: readonly CfnLintIgnoredRule[]; executable?: string }): Promise<CfnLintResult> {
  const executable = options.executable ?? findCfnLint();
  if (!executable) return { ran: false, reason: NOT_INSTALLED };
  const byRegion = new Map<string, CfnLintTemplate[]>();
  for (const template of templates) byRegion.set(template.region, [...(byRegion.get(template.region) ?? []), template]);
  const runs = await Promise.all([...byRegion].map(([region, group]) => lintRegion(executable, region, group)));
  const notRun = runs.find((r) => !r.ran);
  if (notRun) return notRun;
  const ignored = new Set(options.ignore.map((i) => i.rule));
  const stackOf = new Map(templates.map((t) => [path.resolve(t.path), t.stack]));
  const findings = runs
    .flatMap((r) => (r.ran ? r.report : []))
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

type CfnLintReport = z.infer<typeof cfnLintReport>;

/** One cfn-lint process over the templates of one region (its start, about 3 s of Python, is paid once per region). */
async function lintRegion(executable: string, region: string, templates: readonly CfnLintTemplate[]): Promise<{ ran: true; report: CfnLintReport } | { ran: false; reason: string }> {
  const args = ['--format', 'json', '--regions', region, '--', ...templates.map((t) => t.path)];
  const { exitCode, stdout, stderr, missing } = await run(executable, args);
  // ENOENT, or a shim (pyenv, asdf) whose Python has no cfn-lint: 127 is the shell's "command not found".
  if (missing || exitCode === 127) return { ran: false, reason: `${NOT_INSTALLED}: ${stderr.trim() || 'not found'}` };
  try {
    return { ran: true, report: cfnLintReport.parse(JSON.parse(stdout)) };
  } catch (err) {
    throw new CfnLintOutputError(exitCode, stderr || stdout, { cause: err });
  }
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
