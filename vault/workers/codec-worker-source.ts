/**
 * Source of the codec worker thread (codec-pool.ts), started with `new Worker(source, { eval: true })`.
 *
 * It is plain CommonJS in a string on purpose: the vault runs as TypeScript under tsx, as
 * esbuild-transformed CommonJS under jest, and bundled into ESM chunks by esbuild for the CLI — a
 * worker *file* would have to be found next to whichever of those is running, a string cannot go
 * missing. It only uses node: built-ins. Keep it small; the format logic it implements is the
 * envelope of docs/FORMAT.md §3 (sealed-codec.ts is the reference implementation, and the unit
 * tests check that both produce envelopes the other opens).
 *
 * Messages (all from the main thread, answered in order per worker):
 *   {op:'keys', k, enc, mac}            register key set k (32-byte AES key, 32-byte HMAC key)
 *   {op:'slab', s, sab}                 register shared slab s (a SharedArrayBuffer)
 *   {op:'hash', t, k, s, o, n}          → {t, id}                     HMAC-SHA-256 of slab s [o, o+n)
 *   {op:'seal', t, k, s, o, n, id, z}   → {t, stored, flags}          envelope of those bytes (z = zstd level or null); stored is transferred
 *   {op:'restore', t, k, f|s, o, n, b, fd, p}
 *        reads [o, o+n) of pack file f (or slab s from o), opens each blob b = [{id, at, stored, raw}] and
 *        writes the plaintexts one after another to fd from position p → {t, bytes}
 *   {op:'open', t, k, s, o, n, id, raw} → {t, plain}                   one envelope → plaintext (transferred)
 * A failing task answers {t, error, corrupt} (corrupt: the bytes failed authentication or decoding).
 */
export const CODEC_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const crypto = require('node:crypto');
const zlib = require('node:zlib');
const fs = require('node:fs');

const keys = new Map();
const slabs = new Map();
let readBuf = Buffer.allocUnsafeSlow(1 << 20);

class Corrupt extends Error {}

function looksIncompressible(data) {
  if (data.length < 16 * 1024) return false;
  const samples = 8192;
  const stride = Math.floor(data.length / samples);
  const counts = new Uint32Array(256);
  for (let i = 0, o = 0; i < samples; i++, o += stride) counts[data[o]] += 1;
  let entropy = 0;
  for (let c = 0; c < 256; c++) {
    const n = counts[c];
    if (n > 0) {
      const p = n / samples;
      entropy -= p * Math.log2(p);
    }
  }
  return entropy > 7.8;
}

function aad(flags, id) {
  const a = Buffer.allocUnsafe(1 + id.length);
  a[0] = flags;
  a.set(id, 1);
  return a;
}

function seal(key, id, data, level) {
  let payload = data;
  let flags = 0;
  if (level !== null && data.length >= 64 && !looksIncompressible(data)) {
    const packed = zlib.zstdCompressSync(data, {
      chunkSize: Math.max(64 * 1024, data.length + 1024),
      params: { [zlib.constants.ZSTD_c_compressionLevel]: level, [zlib.constants.ZSTD_c_checksumFlag]: 0 },
    });
    if (packed.length < data.length - (data.length >> 6)) {
      payload = packed;
      flags = 1;
    }
  }
  const nonce = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key.enc, nonce, { authTagLength: 16 });
  cipher.setAAD(aad(flags, id));
  const out = Buffer.allocUnsafeSlow(13 + payload.length + 16);
  out[0] = flags;
  nonce.copy(out, 1);
  const ct = cipher.update(payload);
  ct.copy(out, 13);
  const fin = cipher.final();
  if (fin.length > 0) throw new Error('unexpected GCM final output');
  cipher.getAuthTag().copy(out, 13 + payload.length);
  return { out, flags };
}

function open(key, id, env, raw) {
  if (env.length < 29) throw new Corrupt('envelope of ' + env.length + ' bytes is shorter than its 29-byte overhead');
  const flags = env[0];
  if (flags !== 0 && flags !== 1) throw new Corrupt('unknown envelope flags ' + flags);
  let plain;
  try {
    const d = crypto.createDecipheriv('aes-256-gcm', key.enc, env.subarray(1, 13), { authTagLength: 16 });
    d.setAAD(aad(flags, id));
    d.setAuthTag(env.subarray(env.length - 16));
    plain = d.update(env.subarray(13, env.length - 16));
    d.final();
  } catch (err) {
    throw new Corrupt('authentication failed (AES-256-GCM tag mismatch): the bytes were changed or belong elsewhere');
  }
  if (flags === 1) {
    try {
      plain = zlib.zstdDecompressSync(plain, { chunkSize: Math.max(64, raw), maxOutputLength: Math.max(1, raw) });
    } catch (err) {
      throw new Corrupt('zstd frame does not decompress: ' + (err && err.message ? err.message : String(err)));
    }
  }
  if (plain.length !== raw) throw new Corrupt('plaintext is ' + plain.length + ' bytes, the index says ' + raw);
  return plain;
}

function view(s, o, n) {
  const sab = slabs.get(s);
  if (!sab) throw new Error('unknown slab ' + s);
  return Buffer.from(sab, o, n);
}

function keyOf(k) {
  const key = keys.get(k);
  if (!key) throw new Error('unknown key set ' + k);
  return key;
}

function readPack(file, offset, length) {
  if (readBuf.length < length) readBuf = Buffer.allocUnsafeSlow(Math.max(length, readBuf.length * 2));
  const fd = fs.openSync(file, 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, readBuf, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    if (done !== length) throw new Corrupt('pack is shorter than the index says (wanted bytes ' + offset + '–' + (offset + length) + ')');
  } finally {
    fs.closeSync(fd);
  }
  return readBuf.subarray(0, length);
}

function handle(m) {
  switch (m.op) {
    case 'keys':
      keys.set(m.k, { enc: crypto.createSecretKey(Buffer.from(m.enc)), mac: crypto.createSecretKey(Buffer.from(m.mac)) });
      return;
    case 'slab':
      slabs.set(m.s, m.sab);
      return;
    case 'drop-slab':
      slabs.delete(m.s);
      return;
    case 'hash': {
      const id = crypto.createHmac('sha256', keyOf(m.k).mac).update(view(m.s, m.o, m.n)).digest();
      parentPort.postMessage({ t: m.t, id });
      return;
    }
    case 'seal': {
      const { out, flags } = seal(keyOf(m.k), m.id, view(m.s, m.o, m.n), m.z);
      parentPort.postMessage({ t: m.t, stored: out.buffer, flags }, [out.buffer]);
      return;
    }
    case 'open': {
      const plain = open(keyOf(m.k), m.id, view(m.s, m.o, m.n), m.raw);
      const copy = plain.byteOffset === 0 && plain.byteLength === plain.buffer.byteLength ? plain : Buffer.from(plain);
      parentPort.postMessage({ t: m.t, plain: copy.buffer }, [copy.buffer]);
      return;
    }
    case 'restore': {
      const key = keyOf(m.k);
      const bytes = m.f !== undefined ? readPack(m.f, m.o, m.n) : view(m.s, m.o, m.n);
      let position = m.p;
      for (const b of m.b) {
        let plain;
        try {
          plain = open(key, b.id, bytes.subarray(b.at, b.at + b.stored), b.raw);
        } catch (err) {
          if (err instanceof Corrupt) throw new Corrupt('blob ' + Buffer.from(b.id).toString('hex') + ': ' + err.message);
          throw err;
        }
        let written = 0;
        while (written < plain.length) written += fs.writeSync(m.fd, plain, written, plain.length - written, position + written);
        position += plain.length;
      }
      parentPort.postMessage({ t: m.t, bytes: position - m.p });
      return;
    }
    default:
      throw new Error('unknown op ' + m.op);
  }
}

parentPort.on('message', (m) => {
  try {
    handle(m);
  } catch (err) {
    if (m.t === undefined) throw err;
    parentPort.postMessage({ t: m.t, error: err && err.message ? err.message : String(err), corrupt: err instanceof Corrupt });
  }
});
parentPort.postMessage({ ready: true });
`;
