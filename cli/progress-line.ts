import { type WorkflowProgress } from './workflow-runner';

/**
 * The live progress display of a running execution: one line rewritten in place on a terminal, a
 * line per change of state otherwise (logs and CI stay readable). Written to stderr, so `--json`
 * output on stdout stays clean.
 */
export function progressLine(stream: { isTTY?: boolean; write(s: string): boolean }, label: string) {
  let lastState: string | undefined;
  let drawn = false;
  return {
    update(p: WorkflowProgress): void {
      const text = `${label}: ${p.state ?? 'starting'} · ${p.shardsDone} shard(s) done${p.shardsFailed ? `, ${p.shardsFailed} failed` : ''}${p.retries ? `, ${p.retries} retried` : ''} · ${(p.elapsedMs / 1000).toFixed(1)} s`;
      if (stream.isTTY) {
        stream.write(`\r\x1b[2K${text}`);
        drawn = true;
      } else if (p.state !== lastState) {
        stream.write(`${text}\n`);
      }
      lastState = p.state;
    },
    done(): void {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
