import { escapeName } from '../../../cli/escape-name';

describe('escapeName (how the CLI prints entry names and paths)', () => {
  it.each([
    ['plain/path/file.txt', 'plain/path/file.txt'],
    ['naïve café/日本.txt', 'naïve café/日本.txt'],
    ['two\nlines', 'two\\nlines'],
    ['tab\there', 'tab\\there'],
    ['cr\rbell\x07bs\bff\fvt\v', 'cr\\rbell\\abs\\bff\\fvt\\v'],
    ['\x1b[31mred\x1b[0m', '\\x1b[31mred\\x1b[0m'],
    ['nul\x00del\x7fc1\x85', 'nul\\x00del\\x7fc1\\x85'],
    ['back\\slash', 'back\\\\slash'],
    ['evil\u202etxt.exe', 'evil\\u{202e}txt.exe'],
    ['line\u2028sep', 'line\\u{2028}sep'],
  ])('%j prints as %j', (name, printed) => {
    expect(escapeName(name)).toBe(printed);
  });

  // Review r63P F1: format characters are not seen at all, so two names read alike; an astral one is one escape.
  it.each([
    ['rep\u200bort.pdf', 'rep\\u{200b}ort.pdf'],
    ['a\u200cb\u200dc', 'a\\u{200c}b\\u{200d}c'],
    ['\ufeffbom', '\\u{feff}bom'],
    ['soft\u00adhyphen', 'soft\\xadhyphen'],
    ['word\u2060joiner', 'word\\u{2060}joiner'],
    ['a\u206ab\ufff9c', 'a\\u{206a}b\\u{fff9}c'],
    ['tag\u{E0041}\u{E0042}s', 'tag\\u{e0041}\\u{e0042}s'],
    ['alm\u061c', 'alm\\u{61c}'],
    ['emoji 😀.txt', 'emoji 😀.txt'],
  ])('format character in %j prints as %j', (name, printed) => {
    expect(escapeName(name)).toBe(printed);
  });
});
