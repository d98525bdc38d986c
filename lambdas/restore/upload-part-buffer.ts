/**
 * Gathers a stream's chunks into upload parts of one size (the last one shorter): what the
 * single-shard object writer (s3-object-writer.ts) and a piece's shard (split-object-upload.ts) both
 * cut their bytes into. The remainder carried to the next part is copied out of the joined buffer,
 * so a sent part's memory is not kept alive by it.
 */
export class UploadPartBuffer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(readonly partSize: number) {}

  /** Bytes gathered and not yet taken. */
  get bytes(): number {
    return this.pendingBytes;
  }

  push(chunk: Uint8Array): void {
    this.pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.pendingBytes += chunk.byteLength;
  }

  /** The full parts gathered so far, in order, each taken as it is yielded. */
  *fullParts(): Generator<Buffer> {
    while (this.pendingBytes >= this.partSize) {
      const all = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
      const rest = all.subarray(this.partSize);
      this.pending = rest.length > 0 ? [Buffer.from(rest)] : [];
      this.pendingBytes = rest.length;
      yield all.subarray(0, this.partSize);
    }
  }

  /** Everything not taken yet, joined (empty when nothing is left): the last part, or a whole small body. */
  takeRest(): Buffer {
    const rest = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return rest;
  }
}
