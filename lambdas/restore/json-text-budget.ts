/**
 * The bytes lists of texts may take in a Step Functions state (256 KiB a state) or a catalog item, counted as JSON writes
 * them: a control character in a path is six bytes there (`\u0001`), so 4 KiB of such a path is 24 KiB of state. The
 * restore report's lists (restore-report-lists.ts), a drill's and a failover's shortfall lists (drill-shortfall.ts) take
 * their texts from one budget each, in order; counts are kept past it, only the lists stop.
 */

const ELLIPSIS = '…';

/** `text` within `maxBytes` UTF-8 bytes: whole, or cut at a character and ended with "…". */
export function cutUtf8(text: string, maxBytes: number): string {
  return cutMeasured(text, maxBytes, (t) => Buffer.byteLength(t, 'utf8'));
}

/** The bytes `text` takes inside a JSON string (its quotes left out). */
export function jsonBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}

/** `text` within `maxBytes` as JSON writes it (its quotes left out): whole, or cut at a character and ended with "…" (alone when nothing else fits). */
export function cutJsonText(text: string, maxBytes: number): string {
  return cutMeasured(text, maxBytes, jsonBytes);
}

/** `text` whole when `size` of it is within `maxBytes`, else its longest head (whole characters) that fits with "…". */
function cutMeasured(text: string, maxBytes: number, size: (t: string) => number): string {
  if (size(text) <= maxBytes) return text;
  const room = maxBytes - size(ELLIPSIS);
  let used = 0;
  let out = '';
  for (const char of text) {
    const bytes = size(char);
    if (used + bytes > room) break;
    used += bytes;
    out += char;
  }
  return `${out}${ELLIPSIS}`;
}

/** What is left of a budget of JSON bytes; shared by the lists that take from it, in their order. */
export class JsonTextBudget {
  /**
   * `remaining`: the bytes all texts may take together, as JSON writes them; `textMaxBytes`: the UTF-8 bytes a text is
   * cut to before it is counted.
   */
  constructor(
    private remaining: number,
    private readonly textMaxBytes: number,
  ) {}

  /** The texts, cut, if they fit together in what is left (then taken from it); else undefined and nothing taken. */
  take(texts: readonly string[]): string[] | undefined {
    const cut = texts.map((t) => cutUtf8(t, this.textMaxBytes));
    const size = cut.reduce((n, t) => n + jsonBytes(t), 0);
    if (size > this.remaining) return undefined;
    this.remaining -= size;
    return cut;
  }
}
