/** The bytes a stream of chunks (a restore's read of an entry) gives, joined in order. */
export async function streamedBytes(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}
