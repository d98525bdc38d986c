import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../../support/repo-root';

/**
 * An aws-cdk-lib App built with no `outdir` makes a `cdk.out*` directory under the system's temporary directory as
 * it is constructed, and only a process 'exit' listener removes it, which jest's sandboxed test files never fire: every
 * `npm test` left one empty directory in /tmp per such App (review f62G: three a run, from lambda-invoke-errors and
 * drill-workflow's two). A Stack built with no scope makes such an App itself. The tests and the local cloud's synth give
 * every App an outdir they remove (test/support/temp-outdir.ts); this names any call that does not, where it is.
 */
const SCANNED = ['test', 'local'];

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : typeScriptFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function constructedName(node: ts.NewExpression): string | undefined {
  if (ts.isIdentifier(node.expression)) return node.expression.text;
  if (ts.isPropertyAccessExpression(node.expression)) return node.expression.name.text;
  return undefined;
}

function namesOutdir(props: ts.Expression | undefined): boolean {
  if (props === undefined || !ts.isObjectLiteralExpression(props)) return false;
  return props.properties.some((p) => (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && p.name.getText() === 'outdir');
}

/** Each `new App(...)` with no outdir and each `new Stack()` with no scope in `file`, as `path:line: call`. */
function appsWithoutOutdir(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  // Parsing only the files that construct one keeps this test to about a second.
  if (!/new\s+(?:\w+\.)?(?:App|Stack)\b/.test(text)) return [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node)) {
      const name = constructedName(node);
      const args = node.arguments ?? [];
      if ((name === 'App' && !namesOutdir(args[0])) || (name === 'Stack' && args.length === 0)) {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        found.push(`${path.relative(REPO_ROOT, file)}:${line}: ${node.getText(source).split('\n')[0]}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

it('gives every CDK App the tests and the local cloud build an outdir, so none leaves a cdk.out* directory in the system temp dir', () => {
  const files = SCANNED.flatMap((dir) => typeScriptFiles(path.join(REPO_ROOT, dir)));
  expect(files.length).toBeGreaterThan(100);
  expect(files.flatMap(appsWithoutOutdir)).toEqual([]);
});
