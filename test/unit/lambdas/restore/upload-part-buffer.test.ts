import { UploadPartBuffer } from '../../../../lambdas/restore/upload-part-buffer';
import { pseudoRandomBytes } from '../../../support/vault-test-helpers';

it('cuts chunks of any sizes into parts of exactly the part size, the rest last, byte for byte in order', () => {
  const body = pseudoRandomBytes(10_000, 5);
  const buffer = new UploadPartBuffer(1024);
  const parts: Buffer[] = [];
  for (let at = 0, step = 1; at < body.length; at += step, step = (step * 7) % 2500 || 1) {
    buffer.push(body.subarray(at, Math.min(body.length, at + step)));
    for (const part of buffer.fullParts()) parts.push(Buffer.from(part));
  }
  expect(parts.map((p) => p.length)).toEqual(Array.from({ length: 9 }, () => 1024));
  expect(buffer.bytes).toBe(10_000 - 9 * 1024);
  const rest = buffer.takeRest();
  expect(Buffer.concat([...parts, rest]).equals(body)).toBe(true);
  expect([buffer.bytes, buffer.takeRest().length]).toEqual([0, 0]);
});
