import { InvalidInputError } from '../runtime/errors';
import { MAX_S3_KEY_BYTES } from './target-names';

/** Characters of the offending key kept on each side of the cut, so the message stays readable whatever the key. */
const SHOWN_HEAD = 60;
const SHOWN_TAIL = 20;

/**
 * The longest key a restore into S3 writes (target prefix + backed-up key), found while the plan walks
 * the selected entries: a backed-up key fits S3's limit, the prefix may make it too long, and in AWS
 * only the shard holding that key would fail, after the other shards wrote their objects.
 */
export class LongestRestoredKey {
  private key = '';
  private bytes = 0;

  add(key: string): void {
    const bytes = Buffer.byteLength(key, 'utf8');
    if (bytes > this.bytes) {
      this.key = key;
      this.bytes = bytes;
    }
  }

  /** Refuses, naming `target.prefix` and the longest key, when that key is over S3's limit. */
  check(prefix: string): void {
    if (this.bytes <= MAX_S3_KEY_BYTES) return;
    const prefixBytes = Buffer.byteLength(prefix, 'utf8');
    const fits = MAX_S3_KEY_BYTES - (this.bytes - prefixBytes);
    const advice =
      fits > 0
        ? `use a target.prefix of at most ${fits} bytes (\`lifeboat restore --target s3://<bucket>/<prefix>\`), or leave that key out with a filter (filter.prefix)`
        : 'restore it without a target.prefix, or leave that key out with a filter (filter.prefix)';
    throw new InvalidInputError(
      `Invalid restore request: target.prefix ${JSON.stringify(prefix)} (${prefixBytes} bytes) makes restored key ${JSON.stringify(shortened(this.key))} ${this.bytes} bytes long, over S3's limit of ${MAX_S3_KEY_BYTES} bytes (KeyTooLongError); ` +
        `nothing was restored and the target was not touched: ${advice}`,
    );
  }
}

function shortened(key: string): string {
  const chars = [...key];
  return chars.length <= SHOWN_HEAD + SHOWN_TAIL + 1 ? key : `${chars.slice(0, SHOWN_HEAD).join('')}…${chars.slice(-SHOWN_TAIL).join('')}`;
}
