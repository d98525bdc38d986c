#!/usr/bin/env node
import { enableCompileCache } from 'node:module';
import { processOutput } from '../cli/closed-output';
import { processFollowingSignals } from '../cli/following-signals';

// V8's compiled code of the CLI's modules is kept on disk (os.tmpdir()/node-compile-cache, Node's own
// cache; NODE_DISABLE_COMPILE_CACHE=1 turns it off): from the second run on, `lifeboat vault …` does not
// compile its 1.1 MB of JavaScript again, which took about 0.05 s of a 0.7 s incremental backup.
// Enabled before the program is imported, so its modules are the ones cached.
enableCompileCache();

// `lifeboat executions list | head`: a reader that stops reading is no error of the command's, and no
// unhandled EPIPE with a stack trace. A command that only reads stops quietly, as Unix tools do on SIGPIPE; a
// workflow running in this process is stopped as by a Ctrl-C first, and the command exits 141 (cli/closed-output.ts).
processOutput.watch(process.stdout);
processOutput.watch(process.stderr);

// `vault backup` and `vault restore` need a codec worker thread: started now, it boots on another core
// while this one loads the commands' modules (vault/workers/prestarted-worker.ts). Anything else
// about the arguments is for the program to judge.
const [group, command] = process.argv.slice(2, 4);
const prestart = group === 'vault' && (command === 'backup' || command === 'restore') ? import('../vault/prestart.js').then(({ prestartCodecWorker }) => prestartCodecWorker()) : Promise.resolve();

void prestart
  .catch(() => undefined) // only a head start: the pool starts its workers itself otherwise
  .then(() => import('../cli/program.js'))
  .then(({ buildProgram }) => buildProgram(process.argv))
  .then((program) => program.parseAsync(process.argv))
  .catch((err: unknown) => {
    process.stderr.write(`lifeboat: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  })
  // Over the command's own code (ABORTED's failure): a run stopped because its output closed exits as a pipe's end
  // does, so a `set -o pipefail` script tells it from a backup that failed. An AWS run's following (or start) stopped by a
  // Ctrl-C, SIGTERM or SIGHUP exits 130, 143 or 129 over its 5, as the signal's end would (cli/following-signals.ts).
  .finally(() => {
    const stopped = processOutput.exitCodeOverride() ?? processFollowingSignals.exitCodeOverride();
    if (stopped !== undefined) process.exitCode = stopped;
  });
