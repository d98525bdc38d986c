import fc from 'fast-check';
import { manifestPageSchema } from '../../../../vault/manifest/manifest-format';
import { ManifestShapeError, parseManifestPage } from '../../../../vault/manifest/manifest-page-parser';

const blobId = fc.stringMatching(/^[0-9a-f]{64}$/);
const validEntry = fc.record(
  {
    path: fc.string({ minLength: 1 }),
    kind: fc.constantFrom('file', 'dir', 'symlink', 'object', 'page'),
    meta: fc.dictionary(fc.string(), fc.jsonValue()),
    size: fc.nat(),
    content: fc.array(blobId, { maxLength: 3 }),
    changeToken: fc.string(),
  },
  { requiredKeys: ['path', 'kind', 'meta', 'size', 'content'] },
);
/** Values that break one field of an entry, each a way a damaged or foreign page could look. */
const breakage = fc.constantFrom<[string, unknown]>(
  ['path', ''],
  ['path', 3],
  ['kind', 'fifo-ish'],
  ['meta', []],
  ['meta', null],
  ['size', -1],
  ['size', 1.5],
  ['size', '12'],
  ['content', 'abc'],
  ['content', ['A'.repeat(64)]],
  ['content', ['0'.repeat(63)]],
  ['changeToken', 7],
);

/** The page through the zod schema (the format's reference), as JSON.parse would hand it over. */
function viaSchema(page: unknown): unknown {
  const parsed = manifestPageSchema.safeParse(JSON.parse(JSON.stringify(page)));
  return parsed.success ? parsed.data.entries : 'rejected';
}

function viaParser(page: unknown): unknown {
  try {
    return parseManifestPage(JSON.parse(JSON.stringify(page)));
  } catch (err) {
    if (err instanceof ManifestShapeError) return 'rejected';
    throw err;
  }
}

it('accepts exactly the pages the manifest schema accepts, with the same entries', () => {
  fc.assert(
    fc.property(fc.array(validEntry, { minLength: 1, maxLength: 5 }), fc.option(fc.tuple(fc.nat(), breakage)), (entries, broken) => {
      const page = { v: 1, entries: entries.map((e) => ({ ...e })) };
      if (broken) {
        const [index, [field, value]] = broken;
        (page.entries[index % page.entries.length] as Record<string, unknown>)[field] = value;
      }
      const expected = viaSchema(page);
      expect(viaParser(page)).toEqual(expected);
      if (broken) expect(expected).toBe('rejected');
    }),
    { seed: 20261130, numRuns: 300 },
  );
});

it('names where a page is wrong', () => {
  expect(() => parseManifestPage({ v: 2, entries: [] })).toThrow('v: expected 1, got 2');
  expect(() => parseManifestPage({ v: 1, entries: [] })).toThrow('entries: expected a non-empty array');
  const entry = { path: 'a', kind: 'file', meta: {}, size: 1, content: ['x'] };
  expect(() => parseManifestPage({ v: 1, entries: [entry] })).toThrow('entries.0.content.0: expected a blob id (64 hex digits)');
});
