#!/usr/bin/env node
import { enableCompileCache } from 'node:module';

// V8's compiled code of the CLI's modules is kept on disk (os.tmpdir()/node-compile-cache, Node's own
// cache; NODE_DISABLE_COMPILE_CACHE=1 turns it off): from the second run on, `lifeboat vault …` does not
// compile its 1.1 MB of JavaScript again, which took about 0.05 s of a 0.7 s incremental backup.
// Enabled before the program is imported, so its modules are the ones cached.
enableCompileCache();

// `lifeboat executions list | head`: a reader that stops reading is no error of the command's. Stop
// quietly, as Unix tools do on SIGPIPE, instead of an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

// `vault backup` and `vault restore` need a codec worker thread: started now, it boots on another core
// while this one loads the commands' modules (vault/workers/prestarted-worker.ts). Anything else
// about the arguments is for the program to judge.
const [group, command] = process.argv.slice(2, 4);
const prestart = group === 'vault' && (command === 'backup' || command === 'restore') ? import('../vault/prestart.js').then(({ prestartCodecWorker }) => prestartCodecWorker()) : Promise.resolve();

prestart
  .catch(() => undefined) // only a head start: the pool starts its workers itself otherwise
  .then(() => import('../cli/program.js'))
  .then(({ buildProgram }) => buildProgram(process.argv))
  .then((program) => program.parseAsync(process.argv))
  .catch((err: unknown) => {
    process.stderr.write(`lifeboat: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
