'use strict';
/*
 * One Lambda "sandbox" of the local executor: a worker thread that runs bundled handler modules.
 * Plain CommonJS on purpose: it loads the esbuild bundles from cdk.out as Lambda's Node runtime does,
 * and needs no TypeScript loader (the parent may run under tsx, jest or a bundle).
 * One invocation at a time, like a Lambda execution environment; process.env is set to the invoked
 * function's environment before each call (each worker has its own copy of process.env).
 */
const { parentPort, workerData } = require('node:worker_threads');
const Module = require('node:module');
const { existsSync } = require('node:fs');
const { types } = require('node:util');

// Bundles in a temporary cdk.out keep @aws-sdk/* external (the Lambda runtime provides it): resolve
// those from the project's node_modules, as NODE_PATH would.
process.env.NODE_PATH = workerData.nodePath;
Module._initPaths();

const baseEnv = { ...process.env };
const modules = new Map();

/** Polling, not fs.watch: the file may be written before the hang starts, and a watch of a missing file fails. */
const RELEASE_POLL_MS = 50;

/** An injected hang (fault-injection.ts delayMs): `delayMs`, or less once its `releaseFile` exists. */
function injectedHang(hang) {
  const until = Date.now() + hang.delayMs;
  return new Promise((resolve) => {
    const poll = () => {
      const left = until - Date.now();
      if (left <= 0 || (hang.releaseFile !== undefined && existsSync(hang.releaseFile))) return resolve();
      setTimeout(poll, hang.releaseFile === undefined ? left : Math.min(left, RELEASE_POLL_MS));
    };
    poll();
  });
}

function setEnvironment(env) {
  for (const key of Object.keys(process.env)) if (!(key in baseEnv) && !(key in env)) delete process.env[key];
  Object.assign(process.env, baseEnv, env);
}

parentPort.on('message', async (msg) => {
  let started = Date.now();
  try {
    setEnvironment(msg.env);
    // One module instance per function, as each Lambda function has its own sandboxes: functions of
    // different stacks share a bundle (same handler, same asset) but not the state it caches (the
    // runtime built from the first invocation's environment: region, vaults, catalog).
    const key = `${msg.context.functionArn}\0${msg.modulePath}`;
    let mod = modules.get(key);
    if (!mod) {
      delete require.cache[require.resolve(msg.modulePath)];
      mod = require(msg.modulePath);
      modules.set(key, mod);
    }
    const fn = mod[msg.exportName];
    if (typeof fn !== 'function') throw Object.assign(new Error(`${msg.modulePath} exports no function "${msg.exportName}"`), { name: 'Runtime.HandlerNotFound' });
    // The function's own clock starts here, after the module's load (Lambda's init phase): the pool
    // restarts its timeout on this message, and the deadline the handler sees counts from now.
    started = Date.now();
    const deadline = started + msg.context.timeoutMs;
    parentPort.postMessage({ id: msg.id, loaded: true });
    if (msg.hang) {
      // An injected hang (fault-injection.ts delayMs) spends the function's own time, as a hung call would.
      await injectedHang(msg.hang);
      if (msg.hang.errorType !== undefined) {
        parentPort.postMessage({ id: msg.id, ok: false, errorType: msg.hang.errorType, errorMessage: msg.hang.errorMessage ?? '', trace: [], durationMs: Date.now() - started });
        return;
      }
    }
    const context = {
      functionName: msg.context.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: msg.context.functionArn,
      memoryLimitInMB: String(msg.context.memoryMb),
      awsRequestId: msg.context.requestId,
      logGroupName: `/aws/lambda/${msg.context.functionName}`,
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: false,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    const result = await fn(msg.event, context);
    // Lambda returns JSON: undefined becomes null, Dates become strings, functions vanish.
    const payload = result === undefined ? null : JSON.parse(JSON.stringify(result));
    parentPort.postMessage({ id: msg.id, ok: true, payload, durationMs: Date.now() - started });
  } catch (err) {
    parentPort.postMessage({ id: msg.id, ok: false, ...toErrorResponse(err), durationMs: Date.now() - started });
  }
});

/**
 * What Lambda's Node.js runtime reports for a thrown value (toRapidResponse in aws-lambda-nodejs-runtime-interface-client
 * src/Errors.js), so that a Catch or Retry on errorType matches as in AWS: an Error, or an object that looks like one
 * (string name, message and stack), by its name; anything else by its typeof ("string", "object"), with no trace.
 */
function toErrorResponse(err) {
  try {
    const looksLikeError = err && typeof err.name === 'string' && err.name && typeof err.message === 'string' && err.message && typeof err.stack === 'string' && err.stack;
    if (types.isNativeError(err) || looksLikeError) {
      return { errorType: err.name, errorMessage: err.message, trace: String(err.stack).split('\n').slice(0, 12) };
    }
    return { errorType: typeof err, errorMessage: err.toString(), trace: [] };
  } catch {
    // null, undefined, or an object whose toString throws: the runtime's own words.
    return { errorType: 'handled', errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack', trace: [] };
  }
}
