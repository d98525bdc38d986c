import fc from 'fast-check';
import { makeDeviceNumber } from './libc-file-calls';
import { displayPath, shortened } from './tree-capture';

/**
 * Small directory trees (at most ~15 entries each) full of what a backup tool gets wrong: names
 * with control characters, newlines, tabs, a leading dash, Unicode, bytes that are not UTF-8, and
 * names as long as a file system allows; hard links; symlinks to a directory of the tree, dangling,
 * absolute, pointing at themselves, with a target that is not UTF-8; FIFOs, character and block
 * devices, sockets; sparse files; user.* extended attributes and POSIX ACLs (access ACLs on files and
 * directories, default ACLs on directories); mtimes from 1901 to 2200 with nanoseconds; modes from
 * 0o000 to 0o7777 (setuid, setgid, sticky); other owners.
 *
 * A tree is a model (HostileTree): hostileTree() generates one with fast-check, everyCaseTree()
 * holds every case at least once; hostile-tree-writer.ts makes it on disk (writeHostileTree) and
 * says what captureTree() must then read back from it (capturedTree), so that a test can check the
 * source really holds every case before it compares a restore with it.
 */

/** The cases a tree may hold; a test enables all of them, a narrower set helps while developing. */
export const HOSTILE_CASES = [
  /** Control characters, newline, tab, leading dash, Unicode (bidi overrides, combining marks, emoji). */
  'hostileNames',
  /** Names with bytes that are not UTF-8. */
  'nonUtf8Names',
  /** Names of 240 and more bytes (ASCII, CJK, emoji). */
  'longNames',
  'hardLinks',
  /** Symlinks to a directory of the tree, dangling, absolute, to themselves, with a 3000-byte target. */
  'symlinks',
  /** Symlinks whose target is not UTF-8. */
  'nonUtf8LinkTargets',
  'fifos',
  /** Character and block devices; root only. */
  'devices',
  /** Sockets: restores report them and do not create them. */
  'sockets',
  /** 1 MiB files with data only at both ends. */
  'sparseFiles',
  /** user.* extended attributes. */
  'xattrs',
  /** POSIX ACLs (system.posix_acl_access, system.posix_acl_default). */
  'acls',
  /** mtimes from 1901 to 2200 with nanoseconds; off: whole seconds between 1980 and 2030. */
  'extremeMtimes',
  /** 0o000-like modes, write-only files, sticky bits; off: 0o644/0o600/0o755/0o700-like modes. */
  'oddModes',
  'setIdBits',
  /** Other uids and gids; root only. */
  'owners',
] as const;
export type HostileCase = (typeof HOSTILE_CASES)[number];

export const ALL_HOSTILE_CASES: ReadonlySet<HostileCase> = new Set(HOSTILE_CASES);

export type HostileTreeOptions = {
  readonly cases: ReadonlySet<HostileCase>;
  /**
   * The tree is written and read by root. Without root there are no devices (mknod needs
   * CAP_MKNOD), no other owners (chown needs CAP_CHOWN), and every file stays readable and every
   * directory listable by its owner (else the backup itself could not read them).
   */
  readonly root: boolean;
};

/** The path of an entry below the tree's directory, segment by segment ([] is the tree's directory). */
export type EntryPath = readonly Buffer[];
export type Owner = { readonly uid: number; readonly gid: number };
export type Xattr = { readonly name: string; readonly value: Buffer };

/** What an inode carries besides its content. `owner` null: whoever wrote the tree. */
export type Inode = { readonly mode: number; readonly mtimeNs: bigint; readonly owner: Owner | null; readonly xattrs: readonly Xattr[] };

/** Seeded bytes: dense (every byte written) or sparse (`size` bytes with data only at both ends). */
export type FileContent =
  | { readonly kind: 'dense'; readonly size: number; readonly seed: number }
  | { readonly kind: 'sparse'; readonly size: number; readonly head: { readonly length: number; readonly seed: number }; readonly tail: { readonly length: number; readonly seed: number } };

export type HostileNode =
  | { readonly kind: 'dir'; readonly path: EntryPath; readonly inode: Inode }
  | { readonly kind: 'file'; readonly path: EntryPath; readonly inode: Inode; readonly content: FileContent }
  /** Another name of the file at `to` (written earlier in the tree). */
  | { readonly kind: 'hardLink'; readonly path: EntryPath; readonly to: EntryPath }
  | { readonly kind: 'symlink'; readonly path: EntryPath; readonly target: Buffer; readonly mtimeNs: bigint; readonly owner: Owner | null }
  | { readonly kind: 'fifo' | 'charDevice' | 'blockDevice' | 'socket'; readonly path: EntryPath; readonly inode: Inode; readonly rdev: bigint };

/**
 * A tree: nodes[0] is its directory (path []); every node comes after its parent directory. It
 * prints itself (in fast-check's reports) as one line per node, not as its bytes.
 */
export type HostileTree = { readonly nodes: readonly HostileNode[]; readonly [fc.toStringMethod]: () => string };

export const SPARSE_FILE_SIZE = 1024 * 1024;
const MAX_DENSE_FILE_SIZE = 200 * 1024;
const NS = 1_000_000_000n;
/** 1901-12-14T00:00:00Z, the day after ext4's (and 32-bit time_t's) earliest second. */
const EARLIEST_MTIME_NS = -2_147_385_600n * NS;
/** 2200-01-01T00:00:00Z. */
const LATEST_MTIME_NS = 7_258_118_400n * NS;
const PLAIN_MTIME_FROM_S = 315_532_800n; // 1980-01-01
const PLAIN_MTIME_SPAN_S = 1_577_836_800n; // to 2030

// ---------------------------------------------------------------------------------------------
// Names

/** A piece of a name and the case it belongs to (null: always allowed). */
type Fragment = { readonly bytes: Buffer; readonly needs: HostileCase | null };
const plain = (text: string): Fragment => ({ bytes: Buffer.from(text, 'utf8'), needs: null });
const hostile = (text: string): Fragment => ({ bytes: Buffer.from(text, 'utf8'), needs: 'hostileNames' });
const bytes = (...b: number[]): Fragment => ({ bytes: Buffer.from(b), needs: 'nonUtf8Names' });
const long = (text: string): Fragment => ({ bytes: Buffer.from(text, 'utf8'), needs: 'longNames' });

/**
 * How names begin. None holds a digit and no tail starts with one, so a name splits into lead,
 * index and tail in one way only, and the tree-wide index keeps every name of a tree distinct.
 */
const LEADS: readonly Fragment[] = [
  plain(''),
  plain('file'),
  plain('Dir '),
  plain('.hidden'),
  plain('x.tar.gz.'),
  hostile('-'),
  hostile('--help='),
  hostile('-rf '),
  hostile('line\nbreak'),
  hostile('tab\there'),
  hostile('cr\r'),
  hostile('\x1b[H\x1b[Jclear'),
  hostile('\x01\x02\x7f'),
  hostile('back\\slash'),
  hostile('*?[a-z]'),
  hostile('quote\'"`$('),
  hostile(' '),
  hostile('..'),
  hostile('%lifeboat-escaped-key'),
  hostile('caf\u00e9'),
  hostile('cafe\u0301'),
  hostile('\u{1f4e6}'),
  hostile('\u202eevil'),
  hostile('para\u2028sep'),
  hostile('\u6f22\u5b57'),
  bytes(0xff),
  bytes(0xfe, 0x20),
  bytes(0xc3, 0x28),
  bytes(0x80),
  bytes(0xc0, 0xaf),
  bytes(0xed, 0xa0, 0x80),
  bytes(0xf4, 0x90, 0x80, 0x80),
  bytes(0x63, 0x61, 0x66, 0xe9),
  long('n'.repeat(240)),
  long('\u6f22'.repeat(80)),
  long('\u{1f4e6}'.repeat(60)),
];

const TAILS: readonly Fragment[] = [plain(''), plain('.txt'), hostile(' '), hostile('.'), hostile('\n'), hostile('\t'), hostile('\u202e'), bytes(0xff)];

const REPLACEMENT_LEAD = plain('n');
const REPLACEMENT_TAIL = plain('');

type NameSpec = { readonly lead: number; readonly tail: number };

function nameOf(spec: NameSpec, index: number, cases: ReadonlySet<HostileCase>): Buffer {
  const allowed = (f: Fragment | undefined, fallback: Fragment): Fragment => (f && (f.needs === null || cases.has(f.needs)) ? f : fallback);
  const lead = allowed(LEADS[spec.lead % LEADS.length], REPLACEMENT_LEAD);
  const tail = allowed(TAILS[spec.tail % TAILS.length], REPLACEMENT_TAIL);
  return Buffer.concat([lead.bytes, Buffer.from(String(index)), tail.bytes]);
}

// ---------------------------------------------------------------------------------------------
// Attributes

const FILE_MODES = [0o644, 0o600, 0o755, 0o444, 0o000, 0o200, 0o007, 0o070, 0o1644, 0o4755, 0o2755, 0o6711, 0o7777, 0o4000];
const DIR_MODES = [0o755, 0o700, 0o555, 0o500, 0o000, 0o711, 0o1777, 0o2775, 0o3770, 0o7777];
const SPECIAL_MODES = [0o644, 0o600, 0o666, 0o000, 0o640];

/** The mode a node gets under the options: odd modes, set-id bits and unreadable files only where allowed. */
function modeFor(kind: 'file' | 'dir' | 'special', wanted: number, options: HostileTreeOptions): number {
  let mode = wanted & 0o7777;
  if (!options.cases.has('setIdBits')) mode &= ~0o6000;
  if (!options.cases.has('oddModes')) {
    mode &= ~0o1000;
    // Owner read and write (and search for directories) and nothing stranger for group and others.
    mode = (mode & 0o6000) | (kind === 'dir' ? 0o700 : 0o600) | (mode & 0o055);
  }
  // Without root, the backup must be able to read files and list directories as their owner.
  if (!options.root) mode |= kind === 'dir' ? 0o500 : kind === 'file' ? 0o400 : 0;
  return mode;
}

const MTIME_SPECIALS = [
  EARLIEST_MTIME_NS,
  LATEST_MTIME_NS,
  -1n,
  0n,
  1n,
  -NS,
  -NS + 1n,
  999_999_999n,
  2_147_483_647n * NS + 999_999_999n, // the last second of 32-bit time_t
  2_147_483_648n * NS, // the first second past it
  1_764_504_000_123_456_789n,
];

function mtimeFor(wanted: bigint, options: HostileTreeOptions): bigint {
  if (options.cases.has('extremeMtimes')) return wanted;
  const magnitude = wanted < 0n ? -wanted : wanted;
  return (PLAIN_MTIME_FROM_S + ((magnitude / NS) % PLAIN_MTIME_SPAN_S)) * NS;
}

const IDS = [0, 1, 1000, 4242, 65534, 2_147_483_646, 4_294_967_294];

function ownerFor(wanted: Owner | null, options: HostileTreeOptions): Owner | null {
  return wanted && options.root && options.cases.has('owners') ? wanted : null;
}

const XATTR_NAMES = ['user.lifeboat.note', 'user.empty', 'user.binary', `user.${'k'.repeat(200)}`, 'user.\u00fcn\u00efc\u00f6d\u00e9'];
const XATTR_VALUES = [Buffer.alloc(0), Buffer.from('hello'), Buffer.from([0, 255, 10, 0]), Buffer.from('\u00e9t\u00e9 \u{1f4e6}'), Buffer.alloc(1000, 0xa5)];

type XattrSpec = { readonly name: number; readonly value: number };

/** An ACL's named entries: users and groups by id, with rwx permissions. */
type AclNamed = { readonly tag: 'user' | 'group'; readonly id: number; readonly perm: number };
type AccessAclSpec = { readonly groupObj: number; readonly named: readonly AclNamed[] };
type DefaultAclSpec = { readonly userObj: number; readonly groupObj: number; readonly other: number; readonly mask: number; readonly named: readonly AclNamed[] };

const ACL_TAG = { userObj: 0x01, user: 0x02, groupObj: 0x04, group: 0x08, mask: 0x10, other: 0x20 } as const;
const ACL_UNDEFINED_ID = 0xffffffff;

/**
 * The xattr form of an ACL (what the kernel takes and gives back): version 2, then (tag, perm, id)
 * entries in the kernel's order (by tag, named ones by id).
 */
function aclXattrValue(userObj: number, groupObj: number, other: number, mask: number, named: readonly AclNamed[]): Buffer {
  const byId = (tag: AclNamed['tag']) =>
    named
      .filter((n) => n.tag === tag)
      .sort((a, b) => a.id - b.id)
      .map((n) => ({ tag: ACL_TAG[tag], perm: n.perm, id: n.id }));
  const undefinedId = (tag: number, perm: number) => ({ tag, perm, id: ACL_UNDEFINED_ID });
  const entries = [undefinedId(ACL_TAG.userObj, userObj), ...byId('user'), undefinedId(ACL_TAG.groupObj, groupObj), ...byId('group'), undefinedId(ACL_TAG.mask, mask), undefinedId(ACL_TAG.other, other)];
  const out = Buffer.alloc(4 + 8 * entries.length);
  out.writeUInt32LE(2, 0);
  entries.forEach((e, i) => {
    out.writeUInt16LE(e.tag, 4 + i * 8);
    out.writeUInt16LE(e.perm & 7, 6 + i * 8);
    out.writeUInt32LE(e.id, 8 + i * 8);
  });
  return out;
}

/**
 * An access ACL consistent with `mode`: chmod sets the owner entry, the mask (the mode's group
 * bits when there is a mask) and the other entry, so these must already be the mode's for the
 * ACL read back to equal the one written.
 */
function accessAcl(spec: AccessAclSpec, mode: number): Xattr {
  return { name: 'system.posix_acl_access', value: aclXattrValue((mode >> 6) & 7, spec.groupObj, mode & 7, (mode >> 3) & 7, spec.named) };
}

function defaultAcl(spec: DefaultAclSpec): Xattr {
  return { name: 'system.posix_acl_default', value: aclXattrValue(spec.userObj, spec.groupObj, spec.other, spec.mask, spec.named) };
}

type InodeSpec = { readonly mode: number; readonly mtimeNs: bigint; readonly owner: Owner | null; readonly xattrs: readonly XattrSpec[]; readonly acl: AccessAclSpec | null };

function inodeFor(kind: 'file' | 'dir' | 'special', spec: InodeSpec, options: HostileTreeOptions, dirDefaultAcl: DefaultAclSpec | null = null): Inode {
  const mode = modeFor(kind, spec.mode, options);
  const xattrs: Xattr[] = [];
  // user.* attributes exist on files and directories only (the kernel refuses them on special files and links).
  if (kind !== 'special' && options.cases.has('xattrs')) {
    for (const x of spec.xattrs) {
      const name = XATTR_NAMES[x.name % XATTR_NAMES.length] as string;
      if (!xattrs.some((e) => e.name === name)) xattrs.push({ name, value: XATTR_VALUES[x.value % XATTR_VALUES.length] as Buffer });
    }
  }
  if (kind !== 'special' && options.cases.has('acls')) {
    if (spec.acl) xattrs.push(accessAcl(spec.acl, mode));
    if (dirDefaultAcl) xattrs.push(defaultAcl(dirDefaultAcl));
  }
  return { mode, mtimeNs: mtimeFor(spec.mtimeNs, options), owner: ownerFor(spec.owner, options), xattrs };
}

// ---------------------------------------------------------------------------------------------
// Specs: what fast-check generates; buildTree turns a list of them into a tree.

type SymlinkTargetSpec =
  | { readonly kind: 'toDir'; readonly pick: number }
  | { readonly kind: 'dangling' }
  | { readonly kind: 'absolute'; readonly pick: number }
  | { readonly kind: 'self' }
  | { readonly kind: 'long' }
  | { readonly kind: 'nonUtf8'; readonly pick: number };

type SpecialSpec = { readonly kind: 'fifo' | 'charDevice' | 'blockDevice' | 'socket'; readonly pick: number };

type NodeSpec =
  | { readonly kind: 'dir'; readonly parent: number; readonly name: NameSpec; readonly inode: InodeSpec; readonly defaultAcl: DefaultAclSpec | null }
  | { readonly kind: 'file'; readonly parent: number; readonly name: NameSpec; readonly inode: InodeSpec; readonly content: FileContent }
  | { readonly kind: 'hardLink'; readonly parent: number; readonly name: NameSpec; readonly to: number }
  | { readonly kind: 'symlink'; readonly parent: number; readonly name: NameSpec; readonly target: SymlinkTargetSpec; readonly mtimeNs: bigint; readonly owner: Owner | null }
  | { readonly kind: 'special'; readonly parent: number; readonly name: NameSpec; readonly special: SpecialSpec; readonly inode: InodeSpec };

type TreeSpec = { readonly root: InodeSpec; readonly rootDefaultAcl: DefaultAclSpec | null; readonly nodes: readonly NodeSpec[] };

const ABSOLUTE_TARGETS = ['/', '/etc', '/dev/null', '/nonexistent/lifeboat/target'];
const NON_UTF8_TARGETS = [Buffer.from([0xff, 0xfe]), Buffer.from('caf\xe9/\xff', 'latin1'), Buffer.from([0x2e, 0x2e, 0x2f, 0xc0, 0xaf])];

/** Device numbers: /dev/null's, one whose minor needs the split encoding (above 255), and the largest major and minor Linux encodes. */
const CHAR_DEVICES = [makeDeviceNumber(1, 3), makeDeviceNumber(259, 70_000)];
const BLOCK_DEVICES = [makeDeviceNumber(7, 0), makeDeviceNumber(4095, 1_048_575)];

/** The symlink target from directory `from` to directory `to`, relative, so it stays inside a restored tree. */
function relativeTarget(from: EntryPath, to: EntryPath): Buffer {
  let common = 0;
  while (common < from.length && common < to.length && (from[common] as Buffer).equals(to[common] as Buffer)) common++;
  const parts = [...from.slice(common).map(() => Buffer.from('..')), ...to.slice(common)];
  return parts.length === 0 ? Buffer.from('.') : Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from('/'), p])));
}

function symlinkTarget(spec: SymlinkTargetSpec, parent: EntryPath, name: Buffer, dirs: readonly EntryPath[], index: number, options: HostileTreeOptions): Buffer {
  const dangling = Buffer.from(`missing-${index}`);
  switch (spec.kind) {
    case 'toDir':
      return relativeTarget(parent, dirs[spec.pick % dirs.length] as EntryPath);
    case 'dangling':
      return dangling;
    case 'absolute':
      return options.cases.has('symlinks') ? Buffer.from(ABSOLUTE_TARGETS[spec.pick % ABSOLUTE_TARGETS.length] as string) : dangling;
    case 'self':
      return options.cases.has('symlinks') ? name : dangling;
    case 'long':
      return options.cases.has('symlinks') ? Buffer.from(`${'deep/'.repeat(599)}end`) : dangling;
    case 'nonUtf8':
      return options.cases.has('nonUtf8LinkTargets') ? (NON_UTF8_TARGETS[spec.pick % NON_UTF8_TARGETS.length] as Buffer) : dangling;
  }
}

const SPECIAL_CASE: Record<SpecialSpec['kind'], HostileCase> = { fifo: 'fifos', charDevice: 'devices', blockDevice: 'devices', socket: 'sockets' };

function specialAllowed(kind: SpecialSpec['kind'], options: HostileTreeOptions): boolean {
  return options.cases.has(SPECIAL_CASE[kind]) && (kind === 'fifo' || kind === 'socket' || options.root);
}

/** Turns specs into a tree; specs of cases the options leave out become plainer nodes or are dropped. */
function buildTree(spec: TreeSpec, options: HostileTreeOptions): HostileTree {
  const nodes: HostileNode[] = [{ kind: 'dir', path: [], inode: inodeFor('dir', spec.root, options, spec.rootDefaultAcl) }];
  const dirs: EntryPath[] = [[]];
  const files: EntryPath[] = [];
  spec.nodes.forEach((s, i) => {
    const index = i + 1;
    const parent = dirs[s.parent % dirs.length] as EntryPath;
    const name = nameOf(s.name, index, options.cases);
    const path = [...parent, name];
    switch (s.kind) {
      case 'dir':
        nodes.push({ kind: 'dir', path, inode: inodeFor('dir', s.inode, options, s.defaultAcl) });
        dirs.push(path);
        return;
      case 'file': {
        const content: FileContent = s.content.kind === 'sparse' && !options.cases.has('sparseFiles') ? { kind: 'dense', size: s.content.head.length, seed: s.content.head.seed } : s.content;
        nodes.push({ kind: 'file', path, inode: inodeFor('file', s.inode, options), content });
        files.push(path);
        return;
      }
      case 'hardLink': {
        const to = files[s.to % Math.max(1, files.length)];
        if (to && options.cases.has('hardLinks')) nodes.push({ kind: 'hardLink', path, to });
        return;
      }
      case 'symlink':
        nodes.push({ kind: 'symlink', path, target: symlinkTarget(s.target, parent, name, dirs, index, options), mtimeNs: mtimeFor(s.mtimeNs, options), owner: ownerFor(s.owner, options) });
        return;
      case 'special': {
        if (!specialAllowed(s.special.kind, options)) return;
        // A socket is named in the restore's report: its own name is plain so that a test finds it
        // there however the report renders other bytes (its directories may be anything).
        if (s.special.kind === 'socket') path[path.length - 1] = Buffer.from(`socket-${index}`);
        const rdev = s.special.kind === 'charDevice' ? (CHAR_DEVICES[s.special.pick % CHAR_DEVICES.length] as bigint) : s.special.kind === 'blockDevice' ? (BLOCK_DEVICES[s.special.pick % BLOCK_DEVICES.length] as bigint) : 0n;
        nodes.push({ kind: s.special.kind, path, inode: inodeFor('special', s.inode, options), rdev });
        return;
      }
    }
  });
  return { nodes, [fc.toStringMethod]: () => describeTree(nodes) };
}

function describeTree(nodes: readonly HostileNode[]): string {
  const where = (p: EntryPath): string => `"${p.map((segment) => shortened(displayPath(segment.toString('hex')), 64)).join('/')}"`;
  const lines = nodes.map((n) => {
    const at = where(n.path);
    switch (n.kind) {
      case 'hardLink':
        return `link ${at} = ${where(n.to)}`;
      case 'symlink':
        return `symlink ${at} -> "${shortened(displayPath(n.target.toString('hex')), 64)}" mtime ${n.mtimeNs}${n.owner ? ` ${n.owner.uid}:${n.owner.gid}` : ''}`;
      default: {
        const i = n.inode;
        const size = n.kind === 'file' ? ` ${n.content.kind} ${n.content.size} B` : n.kind === 'charDevice' || n.kind === 'blockDevice' ? ` rdev ${n.rdev}` : '';
        return `${n.kind} ${at} 0o${i.mode.toString(8)} mtime ${i.mtimeNs}${i.owner ? ` ${i.owner.uid}:${i.owner.gid}` : ''}${size}${i.xattrs.length ? ` xattrs ${i.xattrs.map((x) => shortened(x.name, 24)).join(',')}` : ''}`;
      }
    }
  });
  return `HostileTree(\n    ${lines.join('\n    ')})`;
}

// ---------------------------------------------------------------------------------------------
// fast-check arbitraries

const nameArb: fc.Arbitrary<NameSpec> = fc.record({ lead: fc.nat({ max: LEADS.length - 1 }), tail: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.nat({ max: TAILS.length - 1 }), weight: 1 }) });

const mtimeArb: fc.Arbitrary<bigint> = fc.oneof({ arbitrary: fc.constantFrom(...MTIME_SPECIALS), weight: 1 }, { arbitrary: fc.bigInt({ min: EARLIEST_MTIME_NS, max: LATEST_MTIME_NS }), weight: 3 });

const ownerArb: fc.Arbitrary<Owner | null> = fc.option(fc.record({ uid: fc.constantFrom(...IDS), gid: fc.constantFrom(...IDS) }), { freq: 2 });

const aclNamedArb: fc.Arbitrary<readonly AclNamed[]> = fc.uniqueArray(fc.record({ tag: fc.constantFrom('user' as const, 'group' as const), id: fc.constantFrom(1000, 4242, 65534), perm: fc.nat({ max: 7 }) }), {
  minLength: 1,
  maxLength: 3,
  selector: (n) => `${n.tag}:${n.id}`,
});

/** Some in three inodes get an ACL: enough for every run to hold several, few enough that most carry none. */
const oneInThree = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.oneof({ arbitrary: fc.constant(null), weight: 2 }, { arbitrary, weight: 1 });

const accessAclArb: fc.Arbitrary<AccessAclSpec | null> = oneInThree(fc.record({ groupObj: fc.nat({ max: 7 }), named: aclNamedArb }));

const defaultAclArb: fc.Arbitrary<DefaultAclSpec | null> = oneInThree(
  fc.record({ userObj: fc.nat({ max: 7 }), groupObj: fc.nat({ max: 7 }), other: fc.nat({ max: 7 }), mask: fc.nat({ max: 7 }), named: aclNamedArb }),
);

const inodeArb = (modes: readonly number[]): fc.Arbitrary<InodeSpec> =>
  fc.record({
    mode: fc.constantFrom(...modes),
    mtimeNs: mtimeArb,
    owner: ownerArb,
    xattrs: fc.array(fc.record({ name: fc.nat({ max: XATTR_NAMES.length - 1 }), value: fc.nat({ max: XATTR_VALUES.length - 1 }) }), { maxLength: 3 }),
    acl: accessAclArb,
  });

const contentArb: fc.Arbitrary<FileContent> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('dense' as const), size: fc.constantFrom(0, 1), seed: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('dense' as const), size: fc.integer({ min: 2, max: 4096 }), seed: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('dense' as const), size: fc.integer({ min: 4097, max: MAX_DENSE_FILE_SIZE }), seed: fc.nat() }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('sparse' as const),
      size: fc.constant(SPARSE_FILE_SIZE),
      head: fc.record({ length: fc.integer({ min: 1, max: 8192 }), seed: fc.nat() }),
      tail: fc.record({ length: fc.integer({ min: 1, max: 8192 }), seed: fc.nat() }),
    }),
    weight: 1,
  },
);

const targetArb: fc.Arbitrary<SymlinkTargetSpec> = fc.oneof(
  fc.record({ kind: fc.constant('toDir' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('dangling' as const) }),
  fc.record({ kind: fc.constant('absolute' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('self' as const) }),
  fc.record({ kind: fc.constant('long' as const) }),
  fc.record({ kind: fc.constant('nonUtf8' as const), pick: fc.nat() }),
);

const nodeArb: fc.Arbitrary<NodeSpec> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('dir' as const), parent: fc.nat(), name: nameArb, inode: inodeArb(DIR_MODES), defaultAcl: defaultAclArb }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('file' as const), parent: fc.nat(), name: nameArb, inode: inodeArb(FILE_MODES), content: contentArb }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('hardLink' as const), parent: fc.nat(), name: nameArb, to: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('symlink' as const), parent: fc.nat(), name: nameArb, target: targetArb, mtimeNs: mtimeArb, owner: ownerArb }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('special' as const),
      parent: fc.nat(),
      name: nameArb,
      special: fc.record({ kind: fc.constantFrom('fifo' as const, 'charDevice' as const, 'blockDevice' as const, 'socket' as const), pick: fc.nat() }),
      inode: inodeArb(SPECIAL_MODES),
    }),
    weight: 1,
  },
);

/** A generated tree of at most 15 entries (its directory included) with the cases `options` allow. */
export function hostileTree(options: HostileTreeOptions): fc.Arbitrary<HostileTree> {
  return fc
    .record({ root: inodeArb(DIR_MODES), rootDefaultAcl: defaultAclArb, nodes: fc.array(nodeArb, { minLength: 1, maxLength: 14 }) })
    .map((spec) => buildTree(spec, options));
}

// ---------------------------------------------------------------------------------------------
// The tree with every case

const at = (lead: number, tail = 0): NameSpec => ({ lead, tail });
const indexIn = (fragments: readonly Fragment[], bytes: Buffer): number => {
  const i = fragments.findIndex((f) => f.bytes.equals(bytes));
  if (i < 0) throw new Error(`everyCaseTree names a fragment that is not in the lists: ${bytes.toString('hex')}`);
  return i;
};
const leadOf = (text: string): number => indexIn(LEADS, Buffer.from(text, 'utf8'));
const leadOfBytes = (...b: number[]): number => indexIn(LEADS, Buffer.from(b));
const tailOf = (text: string): number => indexIn(TAILS, Buffer.from(text, 'utf8'));
const inode = (mode: number, mtimeNs: bigint, extra: Partial<InodeSpec> = {}): InodeSpec => ({ mode, mtimeNs, owner: null, xattrs: [], acl: null, ...extra });
const named: readonly AclNamed[] = [
  { tag: 'user', id: 4242, perm: 6 },
  { tag: 'group', id: 1000, perm: 5 },
];

/**
 * One tree holding every case (those `options` allow) at least once, so each run covers all of
 * them whatever fast-check draws. Directories (by creation order, the tree's own is 0): 1 `-1`,
 * 2 the non-UTF-8 one, 3 the unlistable one.
 */
export function everyCaseTree(options: HostileTreeOptions): HostileTree {
  const nodes: NodeSpec[] = [
    { kind: 'dir', parent: 0, name: at(leadOf('-')), inode: inode(0o2775, -1n, { owner: { uid: 4242, gid: 65534 }, acl: { groupObj: 7, named } }), defaultAcl: { userObj: 7, groupObj: 5, other: 0, mask: 7, named } },
    {
      kind: 'file',
      parent: 1,
      name: at(leadOf('line\nbreak'), tailOf('\t')),
      inode: inode(0o4755, LATEST_MTIME_NS - 1n, { owner: { uid: 2_147_483_646, gid: 4242 }, xattrs: [{ name: 0, value: 1 }, { name: 2, value: 2 }, { name: 3, value: 4 }], acl: { groupObj: 4, named } }),
      content: { kind: 'dense', size: MAX_DENSE_FILE_SIZE, seed: 1 },
    },
    { kind: 'dir', parent: 0, name: at(leadOfBytes(0xc3, 0x28), tailOf(' ')), inode: inode(0o1777, EARLIEST_MTIME_NS + 123_456_789n, { xattrs: [{ name: 4, value: 3 }] }), defaultAcl: null },
    { kind: 'file', parent: 2, name: at(leadOf('\u6f22'.repeat(80))), inode: inode(0o000, -NS + 1n), content: { kind: 'dense', size: 10, seed: 2 } },
    { kind: 'file', parent: 0, name: at(leadOfBytes(0xff), tailOf('.txt')), inode: inode(0o2755, 2_147_483_648n * NS, { owner: { uid: 0, gid: 4_294_967_294 } }), content: { kind: 'dense', size: 0, seed: 3 } },
    { kind: 'hardLink', parent: 2, name: at(leadOf('\x1b[H\x1b[Jclear')), to: 0 },
    { kind: 'hardLink', parent: 0, name: at(leadOf('\u{1f4e6}'.repeat(60))), to: 0 },
    {
      kind: 'file',
      parent: 1,
      name: at(leadOf('cafe\u0301')),
      inode: inode(0o640, 1_764_504_000_123_456_789n, { xattrs: [{ name: 1, value: 0 }] }),
      content: { kind: 'sparse', size: SPARSE_FILE_SIZE, head: { length: 4096, seed: 4 }, tail: { length: 100, seed: 5 } },
    },
    { kind: 'symlink', parent: 2, name: at(leadOf('--help=')), target: { kind: 'toDir', pick: 1 }, mtimeNs: -5n * NS - 7n, owner: { uid: 1000, gid: 1000 } },
    { kind: 'symlink', parent: 0, name: at(leadOf('\u202eevil')), target: { kind: 'dangling' }, mtimeNs: 0n, owner: null },
    { kind: 'symlink', parent: 1, name: at(leadOf('x.tar.gz.')), target: { kind: 'absolute', pick: 1 }, mtimeNs: 1n, owner: null },
    { kind: 'symlink', parent: 0, name: at(leadOf('back\\slash')), target: { kind: 'nonUtf8', pick: 1 }, mtimeNs: 999_999_999n, owner: null },
    { kind: 'symlink', parent: 2, name: at(leadOf('.hidden')), target: { kind: 'self' }, mtimeNs: 7n, owner: null },
    { kind: 'symlink', parent: 0, name: at(leadOf('file')), target: { kind: 'long' }, mtimeNs: 8n, owner: null },
    { kind: 'special', parent: 1, name: at(leadOf('tab\there')), special: { kind: 'fifo', pick: 0 }, inode: inode(0o640, -3n * NS, { owner: { uid: 65534, gid: 65534 } }) },
    { kind: 'special', parent: 0, name: at(leadOf('Dir ')), special: { kind: 'charDevice', pick: 0 }, inode: inode(0o666, 42n * NS + 42n) },
    { kind: 'special', parent: 2, name: at(leadOf('-rf ')), special: { kind: 'blockDevice', pick: 1 }, inode: inode(0o600, 43n * NS) },
    { kind: 'special', parent: 1, name: at(leadOf('')), special: { kind: 'socket', pick: 0 }, inode: inode(0o755, 44n * NS) },
    { kind: 'dir', parent: 0, name: at(leadOf('n'.repeat(240))), inode: inode(0o000, LATEST_MTIME_NS), defaultAcl: null },
    { kind: 'file', parent: 3, name: at(leadOf('quote\'"`$(')), inode: inode(0o7777, EARLIEST_MTIME_NS, { acl: { groupObj: 0, named: [{ tag: 'group', id: 65534, perm: 1 }] } }), content: { kind: 'dense', size: 5000, seed: 6 } },
  ];
  return buildTree({ root: inode(0o3770, 2_000_000_000_987_654_321n), rootDefaultAcl: null, nodes }, options);
}
