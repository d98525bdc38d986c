import { randomBytes } from 'node:crypto';

/** A sortable, unique backup id: UTC timestamp plus randomness (two runs in one second never collide). */
export function newBackupId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}
