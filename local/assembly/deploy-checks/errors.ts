/** Errors of the deploy-time checks themselves (their findings are data, not errors). Names end in `Error`. */

/** The IAM action catalog was loaded for other policies than the ones checked. */
export class IamActionCatalogIncompleteError extends Error {
  override readonly name = 'IamActionCatalogIncompleteError';
  constructor(readonly servicePrefix: string) {
    super(`The IAM action catalog has no actions of service "${servicePrefix}": load it with loadIamActionCatalog(policyActions(stacks)) over the stacks you check.`);
  }
}

/** cfn-lint ran but its output could not be read. */
export class CfnLintOutputError extends Error {
  override readonly name = 'CfnLintOutputError';
  constructor(
    readonly exitCode: number | null,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(`cfn-lint exited with ${String(exitCode)} without a JSON report: ${stderr.trim().slice(0, 2000) || '(no output)'}. Run it by hand on the same templates to see why.`, options);
  }
}
