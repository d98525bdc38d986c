import { canonicalAttributes, itemKeyOf, itemKeyText } from '../../../../lambdas/mirror/dynamodb-item-key';

/** A DynamoDB key as the mirror check's record holds it (a difference's key, the window's cursor), and back. */

it('writes a key as sorted JSON with binary as base64, and reads the very key back', () => {
  const key = { sk: { N: '-0.5' }, pk: { B: Uint8Array.from([0, 255, 7]) } };
  const text = itemKeyText(key);
  expect(text).toBe('{"pk":{"B":"AP8H"},"sk":{"N":"-0.5"}}');
  expect(itemKeyOf(text)).toEqual({ pk: { B: Uint8Array.from([0, 255, 7]) }, sk: { N: '-0.5' } });
  expect(itemKeyOf('{"pk":{"S":"a \\"quoted\\" key"}}')).toEqual({ pk: { S: 'a "quoted" key' } });
});

it('reads a cursor an earlier version wrote with JSON.stringify, a binary key as its byte indexes', () => {
  expect(itemKeyOf(JSON.stringify({ pk: { B: Uint8Array.from([1, 2, 3]) }, sk: { N: '1' } }))).toEqual({ pk: { B: Uint8Array.from([1, 2, 3]) }, sk: { N: '1' } });
  expect(itemKeyOf(JSON.stringify({ pk: { B: Buffer.from([9, 8]) } }))).toEqual({ pk: { B: Uint8Array.from([9, 8]) } });
});

it.each([
  ['not json', /"not json" is not a DynamoDB item key: it is not JSON/],
  ['{"pk":{"M":{}}}', /^"\{\\"pk\\":\{\\"M\\":\{\}\}\}" is not a DynamoDB item key: pk: a key attribute is \{"S":<string>\}, \{"N":<number as a string>\} or \{"B":<base64>\}$/],
  ['{"pk":{"B":"not base64!"}}', /is not a DynamoDB item key: pk: a key attribute is /],
  ['{}', /is not a DynamoDB item key: \(key\): a key has one or two attributes$/],
])('refuses %s with an ItemKeyTextError saying why', (text, message) => {
  expect(() => itemKeyOf(text)).toThrow(expect.objectContaining({ name: 'ItemKeyTextError', message: expect.stringMatching(message) }));
});

it("writes a set's members sorted, DynamoDB keeping no set's order (audit b5-4); a list keeps its order, and 'as given' is the earlier text", () => {
  const one = { tags: { SS: ['red', 'blue'] }, n: { NS: ['10', '9'] }, b: { BS: [Uint8Array.from([2]), Uint8Array.from([1])] }, m: { M: { SS: { L: [{ S: 'z' }, { S: 'a' }] } } } };
  const other = { m: { M: { SS: { L: [{ S: 'z' }, { S: 'a' }] } } }, b: { BS: [Buffer.from([1]), Buffer.from([2])] }, n: { NS: ['9', '10'] }, tags: { SS: ['blue', 'red'] } };
  expect(canonicalAttributes(one)).toBe(canonicalAttributes(other));
  expect(canonicalAttributes(one)).toBe('{"b":{"BS":["AQ==","Ag=="]},"m":{"M":{"SS":{"L":[{"S":"z"},{"S":"a"}]}}},"n":{"NS":["10","9"]},"tags":{"SS":["blue","red"]}}');
  expect(canonicalAttributes(one, 'as given')).toBe('{"b":{"BS":["Ag==","AQ=="]},"m":{"M":{"SS":{"L":[{"S":"z"},{"S":"a"}]}}},"n":{"NS":["10","9"]},"tags":{"SS":["red","blue"]}}');
  expect(canonicalAttributes({ l: { L: [{ S: 'b' }, { S: 'a' }] } })).not.toBe(canonicalAttributes({ l: { L: [{ S: 'a' }, { S: 'b' }] } }));
});
