import { INDEX_PREFIX, MANIFEST_PREFIX, SNAPSHOTS_PREFIX } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { type MappedKind } from './mapped-kind';
import { otherSide } from './other-side';
import { type RefusedReadRun, refusedReadAdvice } from './refused-read-advice';
import { refusedWords } from './refused-words';
import { shownVaultKey } from './shown-vault-key';

/** What of a vault's references a refused read was of: its key's kind (`object` for any other key). */
export type ReferenceObjectKind = 'index' | 'snapshot' | 'manifest' | 'object';

/**
 * Which of the scrub's phases that read a vault's references was refused: the damage mapping (scrub-damage.ts), which
 * names the backups of the objects left `unrepaired` (each with the vaults it is bad in; `known`, how each is known:
 * MappedKind), or the work-out of what a vault lacking objects needs (vault-needs-work-out.ts), `for` the vault it works out.
 */
export type ReferenceReader =
  | { readonly phase: 'damage mapping'; readonly unrepaired: ReadonlyMap<string, readonly VaultSide[]>; readonly known?: ReadonlyMap<string, MappedKind> }
  | { readonly phase: 'work-out'; readonly for: VaultSide };

/** Unrepaired objects the refusal names; the count says how many more there are (a message stays a few KB). */
const UNREPAIRED_SHOWN = 5;

/**
 * How a named unrepaired object is known, after the vaults it is bad in (`other`: its other copy, by vault when it is
 * bad in one). Every one was said to have no good copy in either vault, one whose other copy was refused, archived or
 * left unread at the cutoff too, in the only message of an unrecorded run (review r64K F1).
 */
const KNOWN_WORDS: Readonly<Record<MappedKind, (other: string, otherVault: string) => string>> = {
  lost: () => 'lost: no good copy in either vault',
  refused: (other) => `${other} unverified: its read was refused`,
  archived: (other) => `${other} archived, not read`,
  // Said as the cutoff's until review r64T F2, though the run had no cutoff: the vault did not open.
  unopened: (_other, otherVault) => `its copy unverified: ${otherVault} could not be opened`,
  unverified: (other) => `${other} unverified: the repair's cutoff came first`,
};

/** An unrepaired object as the mapping's refusal names it: its key, the vaults it is bad in, and how it is known when told. */
function shownUnrepaired(key: string, sides: readonly VaultSide[], known: MappedKind | undefined): string {
  const bad = sides.join(', ');
  if (known === undefined) return `${shownVaultKey(key)} (${bad})`;
  const otherVault = sides.length === 1 && sides[0] !== undefined ? `the ${otherSide(sides[0])} vault` : 'the other vault';
  const other = sides.length === 1 ? `${otherVault}'s copy` : 'its other copy';
  return `${shownVaultKey(key)} (${bad}; ${KNOWN_WORDS[known](other, otherVault)})`;
}

/** The kind of the object at `key`, by its prefix. */
export function referenceObjectKind(key: string): ReferenceObjectKind {
  if (key.startsWith(INDEX_PREFIX)) return 'index';
  if (key.startsWith(SNAPSHOTS_PREFIX)) return 'snapshot';
  if (key.startsWith(MANIFEST_PREFIX)) return 'manifest';
  return 'object';
}

/** What goes unsaid when an object of each kind is taken as unread, which is why the run stops instead. */
const UNREAD_COST: Readonly<Record<ReferenceObjectKind, string>> = {
  index: 'may list a pack lost in both vaults whose backups would go unnamed',
  snapshot: 'may be a backup an unrepaired object hurts, which would go unnamed',
  manifest: 'may hold the paths an unrepaired object hurts, which would go unnamed',
  object: 'may name what an unrepaired object hurts, which would go unnamed',
};

/**
 * A read of a vault's references (an index, snapshot or manifest object) by the scrub's damage mapping or its work-out
 * of what a vault needs was refused (an AccessDenied: the DR key refusing kms:Decrypt, a bucket policy) in `vault`. The
 * run stops: taken as unread, a pack lost in both vaults was recorded as hitting no backup (review r63AB F1, a HIGH). It
 * stopped with S3's bare words, naming neither the object, nor the vault, nor the way out (reviews r63AD F1 for the
 * mapping's index reads, r64B F1 for its snapshot and manifest reads and the work-out's): every later scrub stops the
 * same way until one may read it. The run records nothing, so `lifeboat status` still shows the last recorded scrub
 * (CLEAN, say): the mapping's refusal names the first objects it left unrepaired with no copy verified good, which were
 * named nowhere else (review r64B F2), each by how it is known (review r64K F1).
 */
export class ReferenceReadRefusedError extends Error {
  override name = 'ReferenceReadRefusedError';
  readonly kind: ReferenceObjectKind;
  /** The damage mapping's: the objects left unrepaired with no copy verified good, whose backups it was naming (keys whole). */
  readonly unrepaired: readonly string[];
  constructor(
    readonly reader: ReferenceReader,
    readonly vault: VaultSide,
    /** The vault's location (`s3://bucket/prefix`). */
    readonly location: string,
    readonly key: string,
    cause: unknown,
    /**
     * The run that read: its repair alone words the advice (a run without it is told to scrub again, not to scrub with
     * repair: review r64B F4). Not its scope: the mapping and the work-out read both vaults whatever the scope, so a
     * scrub of the other vault alone would stop here too.
     */
    run: Pick<RefusedReadRun, 'repair'> = {},
  ) {
    const kind = referenceObjectKind(key);
    const words = refusedWords(cause);
    const phase = reader.phase === 'damage mapping' ? "the scrub's damage mapping" : `the scrub's work-out of what the ${reader.for} vault needs`;
    const readFor = reader.phase === 'damage mapping' ? 'which the damage mapping reads to name the backups an unrepaired object hurts' : `which the scrub reads to work out which objects the ${reader.for} vault lacks it needs`;
    const { action, advice } = refusedReadAdvice(vault, 's3:GetObject', `${kind} object ${key}, ${readFor}`, cause, run.repair === undefined ? {} : { repair: run.repair });
    const unread = reader.phase === 'damage mapping' ? UNREAD_COST[kind] : 'may reference objects the vault lacks, which would be left missing or taken for those a prune removed';
    const unrepaired = reader.phase === 'damage mapping' ? [...reader.unrepaired] : [];
    const known = reader.phase === 'damage mapping' ? reader.known : undefined;
    const shown = unrepaired.slice(0, UNREPAIRED_SHOWN).map(([k, sides]) => shownUnrepaired(k, sides, known?.get(k)));
    const more = unrepaired.length > UNREPAIRED_SHOWN ? ` and ${unrepaired.length - UNREPAIRED_SHOWN} more` : '';
    const left = shown.length > 0 ? `; it was naming the backups of ${unrepaired.length} object(s) left damaged or missing with no copy verified good: ${shown.join(', ')}${more}` : '';
    super(
      `${phase} was refused the read of ${kind} object ${key} in the ${vault} vault (${location}) (${action}: ${words}); ${advice}. ` +
        `The run stops here, unrecorded (\`lifeboat status\` still shows the last recorded scrub): unread, that ${kind} object ${unread}${left}; ` +
        'each later scrub stops here too until that read is allowed',
      { cause },
    );
    this.kind = kind;
    this.unrepaired = unrepaired.map(([k]) => k);
  }
}
