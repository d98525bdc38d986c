import { expect } from '@jest/globals';

/**
 * Jest setupFilesAfterEnv of every tier: `toEqual` compares Buffers with Buffer.equals (memcmp).
 * Jest's generic equality walks a Buffer key by key, seconds per megabyte, and the tests compare
 * restored files, objects and trees of several megabytes byte for byte. A failure still prints
 * jest's usual diff of the two values.
 */
expect.addEqualityTesters([
  function buffersEqual(a: unknown, b: unknown): boolean | undefined {
    if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
    return undefined;
  },
]);
