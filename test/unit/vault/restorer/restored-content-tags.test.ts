import { createHash } from 'node:crypto';
import { contentTag, CONTENT_TAG_BYTES, contentTagKey } from '../../../../vault/crypto/content-tag';
import { RestoredContentTags } from '../../../../vault/restorer/restored-content-tags';
import { pseudoRandomBytes } from '../../../support/vault-test-helpers';

const idOf = (n: number): Buffer => createHash('sha256').update(`blob ${n}`).digest();

describe('contentTag', () => {
  it('is 16 bytes that change with the data, the key and the id, and stay the same for the same three', () => {
    const key = contentTagKey(pseudoRandomBytes(32, 1));
    const data = pseudoRandomBytes(100_000, 2);
    const tag = contentTag(key, idOf(1), data);
    expect(tag).toHaveLength(CONTENT_TAG_BYTES);
    expect(contentTag(key, idOf(1), Buffer.from(data)).equals(tag)).toBe(true);
    const flipped = Buffer.from(data);
    flipped[99_999] = (flipped[99_999] as number) ^ 0x80;
    expect(contentTag(key, idOf(1), flipped).equals(tag)).toBe(false);
    expect(contentTag(key, idOf(1), data.subarray(0, data.length - 1)).equals(tag)).toBe(false);
    expect(contentTag(contentTagKey(pseudoRandomBytes(32, 3)), idOf(1), data).equals(tag)).toBe(false);
    // A codec worker makes its own key object of the same 32 bytes: the tags must agree.
    expect(contentTag(contentTagKey(pseudoRandomBytes(32, 1)), idOf(1), data).equals(tag)).toBe(true);
    expect(contentTag(key, idOf(2), data).equals(tag)).toBe(false);
  });
});

describe('RestoredContentTags', () => {
  it('gives the tags of recorded ids in the order asked, past its first 1,024, and nothing when one id was not recorded', () => {
    const tags = new RestoredContentTags();
    const tagOf = (n: number): Buffer => contentTag(tags.keyObject, idOf(n), Buffer.from(`content ${n}`));
    for (let n = 0; n < 3000; n++) tags.record(idOf(n), tagOf(n));
    // Recording a blob again (decoded for a second file) keeps one entry.
    tags.record(idOf(7), tagOf(7));
    expect(tags.size).toBe(3000);
    const asked = [2999, 0, 1500, 7, 1024];
    expect(tags.tagsOf(asked.map(idOf))?.equals(Buffer.concat(asked.map(tagOf)))).toBe(true);
    expect(tags.tagsOf([idOf(1), idOf(3000)])).toBeUndefined();
    expect(tags.tagsOf([])).toEqual(Buffer.alloc(0));
  });

  it('has a key of its own per instance: the same plaintext of the same blob gets another tag', () => {
    const [a, b] = [new RestoredContentTags(), new RestoredContentTags()];
    const data = Buffer.from('the same plaintext');
    a.recordPlaintext(idOf(1), data);
    b.recordPlaintext(idOf(1), data);
    expect(a.tagsOf([idOf(1)])).toHaveLength(16);
    expect(a.tagsOf([idOf(1)])?.equals(b.tagsOf([idOf(1)]) ?? Buffer.alloc(0))).toBe(false);
  });
});
