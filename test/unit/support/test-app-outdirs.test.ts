import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../../support/repo-root';

/**
 * An aws-cdk-lib App built with no `outdir` makes a `cdk.out*` directory under the system's temporary directory as
 * it is constructed, and only a process 'exit' listener removes it, which jest's sandboxed test files never fire: every
 * `npm test` left one empty directory in /tmp per such App (review f62G: three a run, from lambda-invoke-errors and
 * drill-workflow's two). A Stack built with no scope (none, `undefined` or `null`) makes such an App itself. The tests
 * and the local cloud's synth give every App an outdir they remove (test/support/temp-outdir.ts); this names any call
 * that does not, where it is.
 */
const SCANNED = ['test', 'local'];

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : typeScriptFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

type CdkClass = 'App' | 'Stack';

/**
 * The local names under which `source` imports App or Stack from aws-cdk-lib (`import { App as CdkApp }`), besides
 * the plain names, which count whatever they come from: a helper that re-exports them is still the CDK's.
 */
function cdkClassNames(source: ts.SourceFile): Map<string, CdkClass> {
  const names = new Map<string, CdkClass>([
    ['App', 'App'],
    ['Stack', 'Stack'],
  ]);
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    if (!statement.moduleSpecifier.text.startsWith('aws-cdk-lib')) continue;
    const bindings = statement.importClause?.namedBindings;
    if (bindings === undefined || !ts.isNamedImports(bindings)) continue;
    for (const element of bindings.elements) {
      const imported = (element.propertyName ?? element.name).text;
      if (imported === 'App' || imported === 'Stack') names.set(element.name.text, imported);
    }
  }
  return names;
}

function constructedClass(node: ts.NewExpression, names: Map<string, CdkClass>): CdkClass | undefined {
  if (ts.isIdentifier(node.expression)) return names.get(node.expression.text);
  // `cdk.App` of `import * as cdk from 'aws-cdk-lib'`, whatever the namespace is called.
  if (ts.isPropertyAccessExpression(node.expression)) {
    const name = node.expression.name.text;
    return name === 'App' || name === 'Stack' ? name : undefined;
  }
  return undefined;
}

/** `undefined`, `null` or `void 0`, seen through parentheses, `as`, `satisfies` and `!`. */
function isNothing(expression: ts.Expression): boolean {
  let inner = expression;
  while (ts.isParenthesizedExpression(inner) || ts.isAsExpression(inner) || ts.isSatisfiesExpression(inner) || ts.isNonNullExpression(inner)) {
    inner = inner.expression;
  }
  return (ts.isIdentifier(inner) && inner.text === 'undefined') || inner.kind === ts.SyntaxKind.NullKeyword || ts.isVoidExpression(inner);
}

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

/**
 * Whether an App's props give it an outdir: 'yes', 'no', or 'unknown' when they come from an object this file's syntax
 * does not show (`new App(props)`, `new App({ ...base })`). The last word on `outdir` wins, as in the object itself; a
 * spread after an explicit outdir is taken not to undo it.
 */
function givesOutdir(props: ts.Expression | undefined): 'yes' | 'no' | 'unknown' {
  if (props === undefined || isNothing(props)) return 'no';
  if (!ts.isObjectLiteralExpression(props)) return 'unknown';
  let answer: 'yes' | 'no' | 'unknown' = 'no';
  for (const property of props.properties) {
    if (ts.isSpreadAssignment(property)) {
      if (answer === 'no') answer = 'unknown';
    } else if (ts.isShorthandPropertyAssignment(property) && property.name.text === 'outdir') {
      answer = 'yes';
    } else if (ts.isPropertyAssignment(property) && propertyName(property.name) === 'outdir') {
      answer = isNothing(property.initializer) ? 'no' : 'yes';
    }
  }
  return answer;
}

/** Whether `outdir` is written anywhere in `source`: as a property, a shorthand, a variable. */
function mentionsOutdir(source: ts.SourceFile): boolean {
  const visit = (node: ts.Node): boolean => (ts.isIdentifier(node) && node.text === 'outdir') || ts.forEachChild(node, visit) === true;
  return visit(source);
}

/**
 * Each App built with no outdir and each Stack built with no scope in `text`, as `line: call (why)`; `judged` counts
 * each App and Stack construction looked at, found or not.
 *
 * Props the syntax does not show (a spread, a variable) cannot be judged without the type checker, which would cost
 * this test many seconds: they pass when the file writes `outdir` somewhere (the object they come from can hold one,
 * as `const base = { outdir: tempOutdir() }` does), and are named otherwise, since nothing in the file can give one.
 */
function appsWithoutOutdir(fileName: string, text: string, judged?: Record<CdkClass, number>): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const names = cdkClassNames(source);
  const fileMentionsOutdir = mentionsOutdir(source);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node)) {
      const constructed = constructedClass(node, names);
      if (constructed !== undefined && judged !== undefined) judged[constructed]++;
      const args = node.arguments ?? [];
      let why: string | undefined;
      if (constructed === 'Stack' && (args[0] === undefined || isNothing(args[0]))) {
        why = 'a Stack with no scope makes an App with no outdir; give it one: new Stack(new App({ outdir: tempOutdir() }), …)';
      } else if (constructed === 'App') {
        const outdir = givesOutdir(args[0]);
        if (outdir === 'no') why = 'an App with no outdir; give it one: { outdir: tempOutdir() }';
        if (outdir === 'unknown' && !fileMentionsOutdir) why = 'its props come from elsewhere and this file never writes an outdir; write { outdir: tempOutdir() } in it';
      }
      if (why !== undefined) {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        found.push(`${line}: ${node.getText(source).split('\n')[0]} (${why})`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the outdir guard itself', () => {
  const APP = 'an App with no outdir; give it one: { outdir: tempOutdir() }';
  const STACK = 'a Stack with no scope makes an App with no outdir; give it one: new Stack(new App({ outdir: tempOutdir() }), …)';
  const ELSEWHERE = 'its props come from elsewhere and this file never writes an outdir; write { outdir: tempOutdir() } in it';
  const cases: Array<[string, string, string[]]> = [
    ['an App with no props', "import { App } from 'aws-cdk-lib';\nnew App();", [`2: new App() (${APP})`]],
    ['an App whose outdir is undefined', "import * as cdk from 'aws-cdk-lib';\nnew cdk.App({ outdir: undefined });", [`2: new cdk.App({ outdir: undefined }) (${APP})`]],
    ['an App whose props are undefined', "import { App } from 'aws-cdk-lib';\nnew App(undefined);", [`2: new App(undefined) (${APP})`]],
    ['an App imported under another name', "import { App as CdkApp } from 'aws-cdk-lib';\nnew CdkApp();", [`2: new CdkApp() (${APP})`]],
    ['a Stack with no arguments', "import { Stack } from 'aws-cdk-lib';\nnew Stack();", [`2: new Stack() (${STACK})`]],
    ['a Stack whose scope is undefined', "import { Stack } from 'aws-cdk-lib';\nnew Stack(undefined, 'X');", [`2: new Stack(undefined, 'X') (${STACK})`]],
    ['a Stack whose scope is null', "import * as cdk from 'aws-cdk-lib';\nnew cdk.Stack(null, 'X');", [`2: new cdk.Stack(null, 'X') (${STACK})`]],
    ['a Stack imported under another name with no scope', "import { Stack as CdkStack } from 'aws-cdk-lib';\nnew CdkStack(undefined, 'X');", [`2: new CdkStack(undefined, 'X') (${STACK})`]],
    ['spread props in a file that never writes an outdir', "import { App } from 'aws-cdk-lib';\nnew App({ ...appProps() });", [`2: new App({ ...appProps() }) (${ELSEWHERE})`]],
    ['an outdir a later property unsets', "import { App } from 'aws-cdk-lib';\nconst base = { outdir: dir() };\nnew App({ ...base, outdir: undefined });", [`3: new App({ ...base, outdir: undefined }) (${APP})`]],
    ['an App with an outdir', "import { App } from 'aws-cdk-lib';\nnew App({ outdir: tempOutdir() });\nnew App({ outdir });\nnew App({ 'outdir': dir });", []],
    ['spread props whose object holds an outdir', "import * as cdk from 'aws-cdk-lib';\nconst base = { outdir: tempOutdir() };\nnew cdk.App({ ...base });", []],
    ['props in a variable of a file that writes an outdir', "import { App, AppProps } from 'aws-cdk-lib';\nconst props: AppProps = { outdir: tempOutdir() };\nnew App(props);", []],
    ['a Stack with a scope', "import { App as CdkApp, Stack } from 'aws-cdk-lib';\nnew Stack(new CdkApp({ outdir: tempOutdir() }), 'X');", []],
    ['a class of another name', "import { Stage } from 'aws-cdk-lib';\nnew Stage(undefined, 'X');\nnew Map();", []],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    expect(appsWithoutOutdir('fixture.ts', text)).toEqual(expected);
  });
});

it('gives every CDK App the tests and the local cloud build an outdir, so none leaves a cdk.out* directory in the system temp dir', () => {
  const files = SCANNED.flatMap((dir) => typeScriptFiles(path.join(REPO_ROOT, dir)));
  expect(files.length).toBeGreaterThan(100);
  let parsed = 0;
  const judged: Record<CdkClass, number> = { App: 0, Stack: 0 };
  const found = files.flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    // Parsing only the files that could construct one keeps this test to about a second; an App or Stack under
    // another name has to be imported from aws-cdk-lib.
    if (!/new\s+(?:\w+\.)?(?:App|Stack)\b/.test(text) && !text.includes('aws-cdk-lib')) return [];
    parsed++;
    return appsWithoutOutdir(file, text, judged).map((finding) => `${path.relative(REPO_ROOT, file)}:${finding}`);
  });
  expect(found).toEqual([]);
  // Files listed are not files judged: a prefilter that let none through would find nothing and pass (review r62J F4).
  // About 80 files are parsed, with some 40 `new App` and 180 `new Stack` among them.
  expect({ parsed: parsed > 0, apps: judged.App > 0, stacks: judged.Stack > 0 }).toEqual({ parsed: true, apps: true, stacks: true });
});
