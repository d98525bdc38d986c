import { jest } from '@jest/globals';

/**
 * Runs `fn` with process.stdout and process.stderr captured (Powertools writes its JSON lines there:
 * errors to stderr) and returns the lines written to either, in order.
 */
export async function capturedStdout(fn: () => Promise<unknown> | void): Promise<string[]> {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const spies = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];
  try {
    await fn();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return chunks.join('').split('\n').filter((line) => line.trim() !== '');
}

/** The JSON objects among the lines. */
export function jsonLines(lines: readonly string[]): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}
