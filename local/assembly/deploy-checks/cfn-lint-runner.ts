import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
 * properties must exist there), all in one cfn-lint process. Templates of one region go to
 * `--regions`; templates of several regions are copied into a temporary directory with their region
 * in their own cfn-lint configuration (Metadata.cfn-lint.config.regions, which cfn-lint reads when
 * no --regions is given), so that one process lints each against its own. Until 2026-12-06 this
 * started one process per region, side by side: each paid cfn-lint's start (about 2–3 CPU-s of
 * Python: the interpreter, its modules and the schemas), three of them for nothing in the
 * deploy-check test's four regions, and two cores gain nothing from more than two processes when
 * jest's two workers keep them busy. The findings are the same either way (compared rule, path and
 * message for the sample config's templates). Errors and warnings are findings, except warnings
 * and errors of the rules in `ignore`.
 */
export async function runCfnLint(templates: readonly CfnLintTemplate[], options: { ignore: readonly CfnLintIgnoredRule[]; executable?: string }): Promise<CfnLintResult> {
  const executable = options.executable ?? findCfnLint();
  if (!executable) return { ran: false, reason: NOT_INSTALLED };
  if (templates.length === 0) return { ran: true, findings: [] };
  const regions = [...new Set(templates.map((t) => t.region))];
  const copies = regions.length > 1 ? mkdtempSync(path.join(tmpdir(), 'lifeboat-cfn-lint-')) : undefined;
  try {
    // Each linted file and the stack it is the template of: the file itself, or its copy with its region.
    const linted = templates.map((template, i) => ({ stack: template.stack, path: copies ? withRegion(template, path.join(copies, `${i}-${path.basename(template.path)}`)) : template.path }));
    const result = await lint(executable, copies ? [] : ['--regions', ...regions], linted.map((t) => t.path));
    if (!result.ran) return result;
    const ignored = new Set(options.ignore.map((i) => i.rule));
    const stackOf = new Map(linted.map((t) => [path.resolve(t.path), t.stack]));
    const findings = result.report
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
  } finally {
    if (copies) rmSync(copies, { recursive: true, force: true });
  }
}

type CfnLintReport = z.infer<typeof cfnLintReport>;
type CfnLintConfigMetadata = { Metadata?: { 'cfn-lint'?: { config?: Record<string, unknown> } } };

/**
 * Writes `template` to `copy` with its region as the only one of its cfn-lint configuration (other
 * settings there kept), and returns `copy`. A template that is no JSON object, or no file, is linted
 * as it is, for cfn-lint to report. The findings name paths, not lines: the new layout changes none.
 */
function withRegion(template: CfnLintTemplate, copy: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(template.path, 'utf8'));
  } catch {
    return template.path;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return template.path;
  const document = parsed as CfnLintConfigMetadata;
  const cfnLint = document.Metadata?.['cfn-lint'] ?? {};
  writeFileSync(copy, JSON.stringify({ ...document, Metadata: { ...document.Metadata, 'cfn-lint': { ...cfnLint, config: { ...cfnLint.config, regions: [template.region] } } } }));
  return copy;
}

/** One cfn-lint process over `files` (its start, about 2–3 s of Python, is paid once). */
async function lint(executable: string, regionArgs: readonly string[], files: readonly string[]): Promise<{ ran: true; report: CfnLintReport } | { ran: false; reason: string }> {
  const args = ['--format', 'json', ...regionArgs, '--', ...files];
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
