import { type SeededRandom } from './seeded-random';

const SYLLABLES = [
  'ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'ber', 'con', 'dal', 'fen', 'gar', 'hol', 'jun', 'kel',
  'lin', 'mor', 'nat', 'pel', 'quo', 'ran', 'sel', 'tur', 'und', 'ver', 'wil', 'xen', 'yor', 'zan', 'ist', 'ation',
];
const LEVELS = ['INFO', 'INFO', 'INFO', 'INFO', 'DEBUG', 'DEBUG', 'WARN', 'ERROR'];
const STATUS = [200, 200, 200, 200, 201, 204, 301, 304, 400, 404, 409, 500, 503];
const VOCABULARY_SIZE = 4096;
const LOOKUP_BITS = 16;

/**
 * Text-like file contents: prose whose word frequencies follow Zipf's law (as natural language
 * does) and service-log lines with timestamps, ids and numbers. Together they compress about
 * like real documents and logs (roughly 2.5–5× with zstd), so the benchmark exercises the
 * compression path on realistic, not trivially repetitive, input.
 */
export class TextContent {
  private readonly words: Buffer[];
  /** Maps 16 random bits to a word index with Zipf-distributed frequency: one lookup per word. */
  private readonly zipf: Uint16Array;
  private readonly services: string[];

  constructor(private readonly random: SeededRandom) {
    const seen = new Set<string>();
    while (seen.size < VOCABULARY_SIZE) {
      const syllables = random.int(1, 4);
      let word = '';
      for (let i = 0; i < syllables; i++) word += random.pick(SYLLABLES);
      seen.add(word);
    }
    this.words = [...seen].map((w) => Buffer.from(w, 'latin1'));
    this.zipf = zipfLookup(VOCABULARY_SIZE, 1 << LOOKUP_BITS);
    this.services = Array.from({ length: 24 }, (_, i) => `${[...seen][i] ?? 'svc'}-${i}`);
  }

  private word(): Buffer {
    return this.words[this.zipf[this.random.nextUint32() & 0xffff] as number] as Buffer;
  }

  /** `size` bytes of sentences and paragraphs. */
  prose(size: number): Buffer {
    // Headroom for the last word, so the loop never checks bounds per byte.
    const out = Buffer.allocUnsafe(size + 64);
    let pos = 0;
    let sentenceLeft = this.random.int(6, 20);
    let capitalize = true;
    while (pos < size) {
      const word = this.word();
      for (let i = 0; i < word.length; i++) out[pos + i] = word[i] as number;
      if (capitalize) out[pos] = (out[pos] as number) - 32;
      pos += word.length;
      capitalize = false;
      if (--sentenceLeft > 0) {
        out[pos++] = this.random.nextUint32() % 11 === 0 ? 0x2c /* , */ : 0x20;
        if (out[pos - 1] === 0x2c) out[pos++] = 0x20;
      } else {
        out[pos++] = 0x2e; // .
        out[pos++] = this.random.nextUint32() % 6 === 0 ? 0x0a : 0x20;
        sentenceLeft = this.random.int(6, 20);
        capitalize = true;
      }
    }
    return out.subarray(0, size);
  }

  /** `size` bytes of log lines, one request each, with a clock that moves forward. */
  log(size: number): Buffer {
    const lines: Buffer[] = [];
    let total = 0;
    let clock = Date.UTC(2024, 0, 1) + this.random.int(0, 300 * 86_400) * 1000;
    while (total < size) {
      clock += this.random.int(0, 250);
      const line =
        `${new Date(clock).toISOString()} ${this.random.pick(LEVELS).padEnd(5)} ${this.random.pick(this.services)}` +
        `[${this.random.int(1000, 1100)}] ${this.word().toString('latin1')} ${this.word().toString('latin1')} ` +
        `request_id=${this.random.nextUint32().toString(16).padStart(8, '0')} path=/api/${this.word().toString('latin1')}/` +
        `${this.random.int(1, 99_999)} status=${this.random.pick(STATUS)} latency_ms=${this.random.int(1, 2500)}\n`;
      const bytes = Buffer.from(line, 'latin1');
      lines.push(bytes);
      total += bytes.length;
    }
    return Buffer.concat(lines, total).subarray(0, size);
  }
}

/** A table of `slots` word indexes in which index r appears in proportion to 1/(r+1) (Zipf, s = 1). */
function zipfLookup(vocabulary: number, slots: number): Uint16Array {
  let norm = 0;
  for (let r = 0; r < vocabulary; r++) norm += 1 / (r + 1);
  const table = new Uint16Array(slots);
  let slot = 0;
  let cumulative = 0;
  for (let r = 0; r < vocabulary && slot < slots; r++) {
    cumulative += 1 / (r + 1) / norm;
    // Every word gets at least one slot so the whole vocabulary appears.
    const end = Math.max(slot + 1, Math.min(slots, Math.round(cumulative * slots)));
    table.fill(r, slot, end);
    slot = end;
  }
  table.fill(vocabulary - 1, slot);
  return table;
}
