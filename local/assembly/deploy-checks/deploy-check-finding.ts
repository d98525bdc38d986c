/**
 * What an offline deploy-time check reports: something CloudFormation or the service behind it would
 * refuse (or that we decided never to deploy), located as a deploy would report it.
 */
export type DeployCheckFinding = {
  /** CloudFormation stack name, e.g. Lifeboat-dev-Primary. */
  readonly stack: string;
  /** Logical id of the resource (or `(template)` for the template as a whole). */
  readonly logicalId: string;
  /** Where inside the resource: `Properties.MemorySize`, `States["Plan shards"].Retry[0]`, `Statement[2].Action[1]`. */
  readonly path: string;
  /** What is wrong and what AWS allows, so the fix is clear without looking anything up. */
  readonly message: string;
};

/** Logical id used for findings about a template as a whole (size, resource count). */
export const WHOLE_TEMPLATE = '(template)';

/** One line per finding: `stack/logicalId path: message`. */
export function formatFindings(findings: readonly DeployCheckFinding[]): string {
  return findings.map((f) => `${f.stack}/${f.logicalId} ${f.path}: ${f.message}`).join('\n');
}
