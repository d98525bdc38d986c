/**
 * The one part of the vault engine a program loads before the rest: starting a codec worker thread
 * early, so that it boots while the program loads its other modules (vault/workers/prestarted-worker.ts).
 * A face of its own, so that this import pulls in a few small modules, not the engine.
 */
export { prestartCodecWorker } from './workers/prestarted-worker';
