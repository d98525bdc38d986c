import { quotedServiceWords, SERVICE_WORDS_LIMIT, unseenEscaped } from '../../../../lambdas/runtime/quoted-service-words';

// Review r60G F7: "cut from N characters" counted UTF-16 units, so words of emoji (two units each) were said to be
// twice as long as they are, and the cut kept half as many of them as the limit allows.
describe('quotedServiceWords counts characters as code points', () => {
  const refusal = (message: string): Error => Object.assign(new Error(message), { name: 'AccessDenied' });

  it('words of astral characters: N is their count, and the cut keeps the limit of them', () => {
    const quoted = quotedServiceWords(refusal('\u{1f600}'.repeat(600)));
    // "AccessDenied: " is 14 characters, then 600 emoji.
    expect(quoted).toBe(`"AccessDenied: ${'\u{1f600}'.repeat(SERVICE_WORDS_LIMIT - 14)}"… (cut from 614 characters)`);
  });

  it('words within the limit in code points but past it in UTF-16 units are not cut', () => {
    const words = `AccessDenied: ${'\u{1f600}'.repeat(400)}`;
    expect(quotedServiceWords(refusal('\u{1f600}'.repeat(400)))).toBe(JSON.stringify(words));
  });
});

// Review r61G F3: a name shown bare (a restored directory's path) escapes what quotedServiceWords's JSON would, and UNSEEN's set.
describe('unseenEscaped', () => {
  it('escapes C0 controls, DEL, C1 controls, line and paragraph separators and format characters (astral ones unit by unit), a backslash as \\\\, and nothing else', () => {
    expect(unseenEscaped('a\nb\u001b[31m\u007f\u009b\u2028\u2029\u202e\u200b\u{e0001} é 日本 \u{1f600} "q" \\')).toBe(
      'a\\u000ab\\u001b[31m\\u007f\\u009b\\u2028\\u2029\\u202e\\u200b\\udb40\\udc01 é 日本 \u{1f600} "q" \\\\',
    );
  });

  // Review r61M F3: the backslash was left as is, so a name holding the text of an escape read as the escaped character.
  it('escapes a backslash, so that a name holding the text \\u000a never reads as one holding a newline', () => {
    expect(unseenEscaped('photos\nX')).toBe('photos\\u000aX');
    expect(unseenEscaped('photos\\u000aX')).toBe('photos\\\\u000aX');
    expect(JSON.parse(`"${unseenEscaped('a\\b\n\u202ec')}"`)).toBe('a\\b\n\u202ec');
  });
});
