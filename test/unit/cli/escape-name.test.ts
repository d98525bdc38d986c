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
});
