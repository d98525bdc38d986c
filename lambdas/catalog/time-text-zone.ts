/**
 * Whether Date.parse reads a text with a zone of its own (`Z`, an offset, `UTC`, `EST`…, or a date alone, which is
 * UTC) or in the process's zone. Regexes over the text mislabelled it (review r64G F3): ` 2026-12-07` (a space first: not
 * the ISO form, so local) was taken for a date alone, and `2026-12-07 15:00 -5` or `2026-12-07 3:00 PM +0100` for
 * zoneless, though an offset one digit long or after `PM` is read. The zone cannot be had from the engine (it has one
 * zone per process), so this follows V8's own parser (src/date/dateparser-inl.h, the engine of Node and Lambda): its
 * ES5 ISO form first, then its legacy reading, token by token, noting only where it takes a zone. Only asked of a text
 * Date.parse reads.
 */
export function namesZone(text: string): boolean {
  const scanner = new Scanner(text);
  const state: ParseState = { hasReadNumber: false, time: new TimeParts(), zone: new ZoneParts() };
  const next = es5DateTime(scanner, state);
  if (next === 'invalid') return false;
  if (next === 'end') return state.zone.taken();
  return legacyZone(scanner, next, state);
}

type Token =
  | { readonly kind: 'number'; readonly value: number; readonly length: number }
  | { readonly kind: 'symbol'; readonly symbol: string }
  | { readonly kind: 'word'; readonly type: WordType; readonly value: number; readonly length: number }
  | { readonly kind: 'space' | 'unknown' | 'end' };

type WordType = 'month' | 'zone' | 'separator' | 'ampm' | 'other';

/** V8's keyword table: a word matches by its first three letters, longer than three only a month's name. */
const KEYWORDS: readonly (readonly [string, WordType, number])[] = [
  ...['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((m, i) => [m, 'month', i + 1] as const),
  ['am', 'ampm', 0],
  ['pm', 'ampm', 12],
  ['ut', 'zone', 0],
  ['utc', 'zone', 0],
  ['z', 'zone', 0],
  ['gmt', 'zone', 0],
  ['cdt', 'zone', -5],
  ['cst', 'zone', -6],
  ['edt', 'zone', -4],
  ['est', 'zone', -5],
  ['mdt', 'zone', -6],
  ['mst', 'zone', -7],
  ['pdt', 'zone', -7],
  ['pst', 'zone', -8],
  ['t', 'separator', 0],
];

const NONE = Number.MAX_SAFE_INTEGER;
const between = (x: number, lo: number, hi: number): boolean => x >= lo && x <= hi;
const isMinute = (x: number): boolean => between(x, 0, 59);

/** ECMAScript's WhiteSpace and LineTerminator, which V8's reader skips one at a time. */
const WHITE_SPACE = /^[\t\v\f \u00a0\ufeff\u1680\u2000-\u200a\u202f\u205f\u3000\n\r\u2028\u2029]$/;

/** V8's DateStringTokenizer: one token looked ahead. */
class Scanner {
  private at = 0;
  private ahead: Token;
  constructor(private readonly text: string) {
    this.ahead = this.scan();
  }
  peek(): Token {
    return this.ahead;
  }
  next(): Token {
    const token = this.ahead;
    this.ahead = this.scan();
    return token;
  }
  skipSymbol(symbol: string): boolean {
    if (this.ahead.kind !== 'symbol' || this.ahead.symbol !== symbol) return false;
    this.ahead = this.scan();
    return true;
  }
  private char(): string {
    return this.text[this.at] ?? '';
  }
  private scan(): Token {
    const c = this.char();
    if (c === '') return { kind: 'end' };
    if (c >= '0' && c <= '9') {
      const start = this.at;
      while (this.char() >= '0' && this.char() <= '9') this.at += 1;
      // Past 9 digits V8 ignores the rest of the numeral's value.
      return { kind: 'number', value: Number(this.text.slice(start, Math.min(this.at, start + 9))), length: this.at - start };
    }
    if (':-+.)'.includes(c)) {
      this.at += 1;
      return { kind: 'symbol', symbol: c };
    }
    if (c >= 'A' && !WHITE_SPACE.test(c)) {
      const start = this.at;
      while (this.char() >= 'A' && !WHITE_SPACE.test(this.char())) this.at += 1;
      const word = this.text.slice(start, this.at);
      // V8 lowers a letter by setting bit 0x20: only ASCII letters then match a keyword.
      const prefix = [...word.slice(0, 3)].map((ch) => (/[A-Za-z]/.test(ch) ? ch.toLowerCase() : '\u0000')).join('');
      const keyword = KEYWORDS.find(([name, type]) => name === prefix && (word.length <= 3 || type === 'month'));
      return { kind: 'word', type: keyword?.[1] ?? 'other', value: keyword?.[2] ?? 0, length: word.length };
    }
    if (WHITE_SPACE.test(c)) {
      this.at += 1;
      return { kind: 'space' };
    }
    if (c === '(') {
      // A "(comment)", nested ones within, or the rest of the text when it is not closed.
      let balance = 0;
      do {
        if (this.char() === ')') balance -= 1;
        else if (this.char() === '(') balance += 1;
        this.at += 1;
      } while (balance > 0 && this.char() !== '');
      return { kind: 'unknown' };
    }
    this.at += 1;
    return { kind: 'unknown' };
  }
}

/** V8's TimeComposer, as far as it decides where a zone is read: how many parts of a time of day it holds. */
class TimeParts {
  private count = 0;
  isEmpty(): boolean {
    return this.count === 0;
  }
  isExpecting(n: number): boolean {
    return (this.count === 1 && isMinute(n)) || (this.count === 2 && isMinute(n)) || (this.count === 3 && between(n, 0, 999));
  }
  add(): void {
    if (this.count < 4) this.count += 1;
  }
  addFinal(): void {
    this.count = 4;
  }
}

/** V8's TimeZoneComposer: a zone is taken once its sign is set. */
class ZoneParts {
  sign = NONE;
  hour = NONE;
  minute = NONE;
  set(offsetHours: number): void {
    this.sign = offsetHours < 0 ? -1 : 1;
    this.hour = Math.abs(offsetHours);
    this.minute = 0;
  }
  isExpecting(n: number): boolean {
    return this.hour !== NONE && this.minute === NONE && isMinute(n);
  }
  isUtc(): boolean {
    return this.hour === 0 && this.minute === 0;
  }
  taken(): boolean {
    return this.sign !== NONE;
  }
}

type ParseState = { hasReadNumber: boolean; readonly time: TimeParts; readonly zone: ZoneParts };

const isSymbol = (t: Token, symbol: string): boolean => t.kind === 'symbol' && t.symbol === symbol;
const isSign = (t: Token): boolean => isSymbol(t, '+') || isSymbol(t, '-');
const isNumberOf = (t: Token, length: number): t is Extract<Token, { kind: 'number' }> => t.kind === 'number' && t.length === length;
const isZ = (t: Token): boolean => t.kind === 'word' && t.type === 'zone' && t.length === 1 && t.value === 0;

/**
 * V8's ParseES5DateTime: `end` when the text is wholly of the ISO form (a date alone takes UTC), `invalid` when it
 * cannot be read, else the token the legacy reading goes on from.
 */
function es5DateTime(scanner: Scanner, state: ParseState): Token | 'end' | 'invalid' {
  const first = scanner.peek();
  if (isSign(first)) {
    const sign = scanner.next();
    const year = scanner.peek();
    if (!isNumberOf(year, 6)) return sign;
    if (isSymbol(sign, '-') && year.value === 0) return sign;
    scanner.next();
  } else if (isNumberOf(first, 4)) {
    scanner.next();
  } else {
    return scanner.next();
  }
  state.hasReadNumber = true;
  if (scanner.skipSymbol('-')) {
    const month = scanner.peek();
    if (!isNumberOf(month, 2) || !between(month.value, 1, 12)) return scanner.next();
    scanner.next();
    if (scanner.skipSymbol('-')) {
      const day = scanner.peek();
      if (!isNumberOf(day, 2) || !between(day.value, 1, 31)) return scanner.next();
      scanner.next();
    }
  }
  const separator = scanner.peek();
  if (separator.kind !== 'word' || separator.type !== 'separator') {
    if (scanner.peek().kind !== 'end') return scanner.next();
    state.zone.set(0);
    return 'end';
  }
  // With a `T`, the rest is the ISO form or nothing; only its zone matters here.
  scanner.next();
  let token = scanner.next();
  while (token.kind !== 'end') {
    if (isZ(token) || isSign(token)) state.zone.sign = 1;
    token = scanner.next();
  }
  return 'end';
}

/** V8's legacy reading from `first` on: whether a zone is taken. */
function legacyZone(scanner: Scanner, first: Token, state: ParseState): boolean {
  const { time, zone } = state;
  for (let token = first; token.kind !== 'end'; token = scanner.next()) {
    if (token.kind === 'number') {
      state.hasReadNumber = true;
      const n = token.value;
      if (scanner.skipSymbol(':')) {
        if (scanner.skipSymbol(':')) {
          time.add();
          time.add();
        } else {
          time.add();
          if (isSymbol(scanner.peek(), '.')) scanner.next();
        }
      } else if (scanner.skipSymbol('.') && time.isExpecting(n)) {
        time.add();
        scanner.next();
        time.addFinal();
      } else if (zone.isExpecting(n)) {
        zone.minute = n;
      } else if (time.isExpecting(n)) {
        time.addFinal();
      } else {
        scanner.skipSymbol('-');
      }
    } else if (token.kind === 'word') {
      if (token.type === 'month') scanner.skipSymbol('-');
      else if (token.type === 'zone' && state.hasReadNumber) zone.set(token.value);
    } else if (isSign(token) && (zone.isUtc() || !time.isEmpty())) {
      zone.sign = isSymbol(token, '-') ? -1 : 1;
      const number = scanner.peek();
      const { value, length } = number.kind === 'number' ? (scanner.next(), number) : { value: 0, length: 0 };
      state.hasReadNumber = true;
      if (isSymbol(scanner.peek(), ':')) {
        zone.hour = value;
        zone.minute = NONE;
      } else if (length === 1 || length === 2) {
        zone.hour = value;
        zone.minute = 0;
      } else {
        zone.hour = Math.floor(value / 100);
        zone.minute = value % 100;
      }
    }
  }
  return zone.taken();
}
