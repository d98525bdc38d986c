import { cut } from '../../../../lambdas/runtime/cut-text';

const quoted = (kept: string): string => JSON.stringify(kept);

it('shows a text of the limit or fewer characters whole, as show writes it', () => {
  expect(cut('abc', 3, quoted)).toBe('"abc"');
});

it('keeps the first characters of a longer text, the mark outside what show writes', () => {
  expect(cut('abcdef', 3, quoted)).toBe('"abc"… (cut from 6 characters)');
});

it('counts and cuts code points, never splitting a surrogate pair', () => {
  expect(cut('😀😀😀', 2, (kept) => kept)).toBe('😀😀… (cut from 3 characters)');
});
