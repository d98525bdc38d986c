import { type WorkflowProgress } from './workflow-runner';

/**
 * The live progress display of a running execution: one line rewritten in place on a terminal, a
 * line per change of state otherwise (logs and CI stay readable). Written to stderr, so `--json`
 * output on stdout stays clean.
 */
export function progressLine(stream: { isTTY?: boolean; write(s: string): boolean }, label: string) {
  let lastState: string | undefined;
  let drawn = false;
  /** The error name of the shard-count note last said: undefined until one is said. */
  let toldUnreadableBy: string | undefined;
  let toldExecution = false;
  let toldStarting = false;
  /** A line of its own, above the redrawn one: said once, it stays on screen. */
  const say = (line: string): void => {
    stream.write(`${drawn ? '\r\x1b[2K' : ''}${label}: ${line}\n`);
    drawn = false;
  };
  return {
    update(p: WorkflowProgress): void {
      // The ARN the start's name will have, before its attempts (which may take minutes): a Ctrl-C then leaves it on
      // screen to look for (review r63Q F2). The execution's own line follows once it has started.
      if (p.starting === true) {
        if (p.executionId !== undefined && !toldStarting) say(`starting execution ${p.executionId} …`);
        toldStarting = true;
        return;
      }
      // An execution in AWS goes on after a Ctrl-C: its ARN stays on screen to follow or stop it (review r63F F3).
      if (p.executionId !== undefined && !toldExecution) {
        say(`execution ${p.executionId} (it runs in AWS: a Ctrl-C stops only this command's following)`);
        toldExecution = true;
      }
      // Why, once for each error name (a timeout's note, then a denial's with its permission: review r63Q F4); the line
      // itself only notes it while it lasts (review r63F F1).
      const unreadableBy = p.shardCountsUnreadableBy ?? '';
      if (p.shardCountsUnreadable !== undefined && toldUnreadableBy !== unreadableBy) {
        say(p.shardCountsUnreadable);
        toldUnreadableBy = unreadableBy;
      }
      const unread = p.shardCountsUnreadable !== undefined ? ' (shard counts unreadable)' : '';
      // Not 0 while unreadable: the counts are not known, not none (review r63Q F4).
      const done = p.shardCountsUnreadable !== undefined ? '?' : String(p.shardsDone);
      const text = `${label}: ${p.state ?? 'starting'} · ${done} shard(s) done${p.shardsFailed ? `, ${p.shardsFailed} failed` : ''}${p.retries ? `, ${p.retries} retried` : ''}${unread} · ${(p.elapsedMs / 1000).toFixed(1)} s`;
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
