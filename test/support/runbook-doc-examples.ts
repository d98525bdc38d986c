/**
 * The JSON examples of docs/RUNBOOKS.md, by runbook. A runbook is a `## Title — \`lifeboat-<env>-<name>\``
 * section; the ```json blocks under its `### Input` heading are inputs to that state machine, those
 * under a `### Output …` heading are examples of its result. Other blocks (none today) are ignored.
 */
export type RunbookExamples = { runbook: string; inputs: unknown[]; outputs: unknown[] };

const RUNBOOK_HEADING = /^## .*`lifeboat-<env>-([a-z0-9-]+)`\s*$/;

export function runbookExamples(markdown: string): RunbookExamples[] {
  const runbooks: RunbookExamples[] = [];
  let current: RunbookExamples | undefined;
  let subsection: 'input' | 'output' | undefined;
  let block: string[] | undefined;
  for (const [index, line] of markdown.split('\n').entries()) {
    if (block) {
      if (line.startsWith('```')) {
        const text = block.join('\n');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (err) {
          throw new Error(`docs/RUNBOOKS.md: the JSON block ending on line ${index + 1} does not parse: ${(err as Error).message}`, { cause: err });
        }
        if (current && subsection) (subsection === 'input' ? current.inputs : current.outputs).push(parsed);
        block = undefined;
      } else block.push(line);
      continue;
    }
    const runbook = RUNBOOK_HEADING.exec(line);
    if (runbook?.[1]) {
      current = { runbook: runbook[1], inputs: [], outputs: [] };
      runbooks.push(current);
      subsection = undefined;
    } else if (line.startsWith('## ')) {
      current = undefined;
      subsection = undefined;
    } else if (line.startsWith('### ')) {
      subsection = /^### Input\b/.test(line) ? 'input' : /^### Output\b/.test(line) ? 'output' : undefined;
    } else if (line.trim() === '```json') block = [];
  }
  return runbooks;
}
