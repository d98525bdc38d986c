import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/**
 * What a scrub could reach on this machine over the same files: every file read whole, SHA-256 of
 * it, and AES-256-GCM decryption of it in 1 MiB messages (about one blob each: the vault's chunks
 * average 1 MiB), on `threads` worker threads that take the next file as they finish one.
 *
 * The decryption runs over the stored bytes with a key of its own: decipher.update does all of
 * AES-GCM's work (counter mode and GHASH); only the final 16-byte tag comparison is left out, which
 * real ciphertext would need. Not included: zstd decompression of compressed blobs and the HMAC of
 * their (larger) plaintext, which the scrub also does: the ceiling is read + SHA-256 + decrypt.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { createHash, createDecipheriv } = require('node:crypto');
const { files, counter, key, message } = workerData;
const next = new Int32Array(counter);
const nonce = Buffer.alloc(12, 7);
parentPort.once('message', () => {
  let bytes = 0;
  for (;;) {
    const i = Atomics.add(next, 0, 1);
    if (i >= files.length) break;
    const body = readFileSync(files[i]);
    createHash('sha256').update(body).digest();
    for (let o = 0; o < body.length; o += message) {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce);
      decipher.update(body.subarray(o, Math.min(body.length, o + message)));
    }
    bytes += body.length;
  }
  parentPort.postMessage(bytes);
});
parentPort.postMessage('ready');
`;

export type CeilingRun = { readonly bytes: number; readonly seconds: number; readonly mbPerSecond: number; readonly threads: number };

/** One pass of the ceiling over `files`; the clock starts once every thread has started (thread start-up is not the ceiling's work). */
export async function measureReadHashDecryptCeiling(files: readonly string[], threads: number): Promise<CeilingRun> {
  const counter = new SharedArrayBuffer(4);
  const key = randomBytes(32);
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { files, counter, key, message: 1 << 20 } }));
  try {
    await Promise.all(workers.map((w) => nextMessage(w)));
    const started = process.hrtime.bigint();
    const done = workers.map((w) => nextMessage(w));
    for (const w of workers) w.postMessage('go');
    const bytes = (await Promise.all(done)).reduce<number>((n, b) => n + Number(b), 0);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { bytes, seconds, mbPerSecond: bytes / seconds / 1e6, threads };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function nextMessage(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    worker.once('error', onError);
    worker.once('message', (m: unknown) => {
      worker.off('error', onError);
      resolve(m);
    });
  });
}
