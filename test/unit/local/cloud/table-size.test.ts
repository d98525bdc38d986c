import { itemSizeBytes, measureTable } from '../../../../local/cloud/table-size';

/** The local cloud's table sizes follow AWS's documented item-size rules ("Item sizes and formats"). */
describe('itemSizeBytes', () => {
  it('counts attribute names and string values in UTF-8 bytes', () => {
    expect(itemSizeBytes({ pk: { S: 'abc' } })).toBe(2 + 3);
    expect(itemSizeBytes({ 'näme': { S: 'é€' } })).toBe(5 + 5);
  });

  it('sizes numbers at one byte per two significant digits plus one, binary by its decoded bytes, booleans and nulls at one byte', () => {
    expect(itemSizeBytes({ n: { N: '12345' } })).toBe(1 + 4);
    expect(itemSizeBytes({ n: { N: '-0.00120' } })).toBe(1 + 2);
    expect(itemSizeBytes({ b: { B: Buffer.alloc(10, 7).toString('base64') } })).toBe(1 + 10);
    expect(itemSizeBytes({ t: { BOOL: true }, z: { NULL: true } })).toBe(2 + 2);
  });

  it('adds 3 bytes per list or map and 1 per element, with map keys, and sizes sets by their members', () => {
    expect(itemSizeBytes({ l: { L: [{ S: 'ab' }, { N: '1' }] } })).toBe(1 + 3 + (1 + 2) + (1 + 2));
    expect(itemSizeBytes({ m: { M: { k: { S: 'v' } } } })).toBe(1 + 3 + 1 + 1 + 1);
    expect(itemSizeBytes({ s: { SS: ['a', 'bb'] } })).toBe(1 + 3);
  });
});

describe('measureTable', () => {
  it('follows LastEvaluatedKey through every page and sums count and size', async () => {
    const pages = [
      { items: [{ pk: { S: 'a' } }, { pk: { S: 'bb' } }], lastEvaluatedKey: { pk: { S: 'bb' } } },
      { items: [{ pk: { S: 'ccc' } }], lastEvaluatedKey: undefined },
    ];
    const starts: unknown[] = [];
    const size = await measureTable(async (start) => {
      starts.push(start);
      const page = pages[starts.length - 1];
      if (!page) throw new Error('read past the last page');
      return page;
    });
    expect(starts).toEqual([undefined, { pk: { S: 'bb' } }]);
    expect(size).toEqual({ itemCount: 3, sizeBytes: 3 * 2 + 6 });
  });
});
