import { type ManifestEntry } from '../manifest/manifest-entry';

/**
 * What a restored entry gets on disk besides its content, as its backup recorded it (docs/FORMAT.md
 * §7): permission bits, modification time in nanoseconds (negative: before 1970), owner, extended
 * attributes (POSIX ACLs among them). Each is null when the entry does not record it.
 */
export type EntryAttributes = {
  readonly mode: number | null;
  readonly mtimeNs: bigint | null;
  readonly uid: number | null;
  readonly gid: number | null;
  /** Name and value of each extended attribute, in the recorded (sorted) order. */
  readonly xattrs: ReadonlyArray<readonly [string, Buffer]> | null;
};

/** Attributes of an entry that records none (an S3 object or a DynamoDB page written as a file). */
export const NO_ATTRIBUTES: EntryAttributes = { mode: null, mtimeNs: null, uid: null, gid: null, xattrs: null };

/** The attributes an entry's meta records; malformed fields count as absent. */
export function entryAttributes(entry: ManifestEntry): EntryAttributes {
  const { mode, mtimeNs, uid, gid, xattrs } = entry.meta;
  return {
    mode: typeof mode === 'number' && Number.isInteger(mode) ? mode & 0o7777 : null,
    mtimeNs: typeof mtimeNs === 'string' && /^-?\d+$/.test(mtimeNs) ? BigInt(mtimeNs) : null,
    uid: isId(uid) ? uid : null,
    gid: isId(gid) ? gid : null,
    xattrs: xattrList(xattrs),
  };
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 2 ** 32;
}

function xattrList(value: unknown): Array<[string, Buffer]> | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const list: Array<[string, Buffer]> = [];
  for (const [name, encoded] of Object.entries(value)) if (typeof encoded === 'string') list.push([name, Buffer.from(encoded, 'base64')]);
  return list.length > 0 ? list : null;
}
