it('compares Buffers by content with toEqual, inside maps and objects too', () => {
  const a = Buffer.alloc(4 * 1024 * 1024, 7);
  const b = Buffer.alloc(4 * 1024 * 1024, 7);
  expect(new Map([['f', { file: a }]])).toEqual(new Map([['f', { file: b }]]));
  b[b.length - 1] = 8;
  expect(new Map([['f', { file: a }]])).not.toEqual(new Map([['f', { file: b }]]));
  expect(Buffer.from('ab')).not.toEqual(Buffer.from('abc'));
});
