import { idFromKey, indexKey, SNAPSHOTS_PREFIX, type Vault } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { MAPPED_KINDS, type MappedKind } from './mapped-kind';
import { type RefusedReadRun } from './refused-read-advice';
import { type DamagedObject, describeDamage, type IndexObjectRead } from './scrub-damage';
import { type ScrubIndexObjects } from './scrub-index-objects';
import { REFUSED_COPY, whenRepairedAgain } from './scrub-objects-left';
import { ReadsStoppedError, readsUntilVault } from './reads-until-vault';
import { DAMAGE_MAPPING_MARGIN_MS } from './scrub-time-reserves';
import { type ScrubFinding } from './scrub-report';
import { verifyBackupLine } from './verify-backup-line';
import { otherSide } from './other-side';

/** The unrepaired objects mapped to their backups: those lost (`damage`), the others (`archivedCopyDamage`), and whether the deadline cut the mapping. */
export type UnrepairedDamage = { readonly damage: readonly DamagedObject[]; readonly archivedCopyDamage: readonly DamagedObject[]; readonly cut: boolean };

/**
 * The findings left unrepaired with no good copy, mapped to the backups they hit (describeDamageUntil). The index objects
 * the run read already (`indexObjects`) are taken from there, not read again. `commandOptions`: the scrub's target
 * options, which every command line of a note ends with (until review r59D F2 they were bare: pasted after a scrub in
 * AWS, they scrubbed the local cloud). `run`: the scrub's repair, which a refused read's advice words. `vaults`: every
 * vault the run opened, the other vault too: an unverified finding whose other vault is absent is told as unopened.
 */
export async function mapUnrepairedDamage(
  findings: readonly ScrubFinding[],
  vaults: Partial<Record<VaultSide, Vault>>,
  deadline: number | undefined,
  now: () => number,
  indexObjects?: ScrubIndexObjects,
  commandOptions = '',
  run: Pick<RefusedReadRun, 'repair'> = {},
): Promise<UnrepairedDamage> {
  // Mapped to backups together (one walk of the manifests); an object lost in one vault is lost, whatever the other finding
  // says, and one archived in one is archived, whatever an unverified one says.
  const unrepaired = new Map<string, VaultSide[]>();
  const left = new Map<string, { kind: MappedKind; problems: Set<ScrubFinding['problem']>; copiedInto: Set<VaultSide> }>();
  for (const f of findings) {
    if (f.outcome !== 'unrepaired' || f.goodCopy === true) continue;
    unrepaired.set(f.key, [...(unrepaired.get(f.key) ?? []), f.vault].sort((a, b) => (a === 'primary' ? -1 : b === 'primary' ? 1 : 0)));
    // Unverified with its other vault not opened: unread for that, not for the repair's cutoff (review r64T F2).
    const unopened = f.otherCopy === 'unverified' && vaults[otherSide(f.vault)] === undefined;
    const kind: MappedKind = f.otherCopyRefused === true ? 'refused' : unopened ? 'unopened' : (f.otherCopy ?? 'lost');
    const was = left.get(f.key);
    const problems = new Set([...(was?.problems ?? []), f.problem]);
    const copiedInto = new Set([...(was?.copiedInto ?? []), ...(f.copiedIn === true ? [f.vault] : [])]);
    left.set(f.key, { kind: was === undefined || MAPPED_KINDS.indexOf(kind) < MAPPED_KINDS.indexOf(was.kind) ? kind : was.kind, problems, copiedInto });
  }
  const { described, cut } = unrepaired.size > 0 ? await describeDamageUntil(vaults, unrepaired, left, { deadline, now, indexObjects, commandOptions, repair: run.repair }) : { described: [], cut: false };
  const lostKeys = new Set([...left].filter(([, l]) => l.kind === 'lost').map(([key]) => key));
  const damage = described.filter((d) => lostKeys.has(d.key));
  const archivedCopyDamage = described.filter((d) => !lostKeys.has(d.key));
  return { damage, archivedCopyDamage, cut };
}

/**
 * When a scrub names again the backups of an object whose mapping the deadline cut, by how it is known: an unverified
 * one is read again by the scrub that repairs it (whenRepairedAgain); a refused one only once the permission is fixed
 * (REFUSED_COPY: the next scrub is refused the same way, review r63AB F2); a lost or archived one by any scrub that finds it,
 * every run when it is missing in a vault (the listings), only the run whose slice holds it when it is corrupt in both.
 * Not a lost snapshot object whose record no vault reads: it has no backup a scrub can name (review r57A F4). One copied
 * in (`copiedInto` the vaults it was copied into), lost or unverified, is no longer missing, so no comparison finds it
 * again: the record keeps it and the next scrub of its vault checks it again (copied-in-recheck.ts; reviews r57F L2,
 * r57G R2, r57K F1); meanwhile verify checks it in the vault it was copied into (review r57M L2).
 */
function whenMappedAgain(key: string, kind: MappedKind, problems: ReadonlySet<ScrubFinding['problem']>, copiedInto: ReadonlySet<VaultSide>, options: string): string {
  const snapshotId = idFromKey(SNAPSHOTS_PREFIX, key);
  if (snapshotId && copiedInto.size > 0) return `the next scrub of that vault checks it again and names them if its time allows; meanwhile its backup is the catalog record whose sources list snapshot ${snapshotId}${kind === 'unverified' || kind === 'unopened' || kind === 'refused' ? `, to check with ${verifyBackupLine(copiedInto, options)}` : ''}`;
  if (kind === 'unverified') return `${whenRepairedAgain(problems, options)} (or names them)`;
  if (kind === 'unopened') return `once the other vault opens, \`lifeboat scrub --fraction 1 --repair${options}\` verifies and copies it (or names them)`;
  if (kind === 'refused') return `its other copy ${REFUSED_COPY} (which names them)`;
  if (snapshotId) return `no later scrub names them: its backup is the catalog record whose sources list snapshot ${snapshotId}`;
  if (problems.has('missing')) return 'the next scrub names them';
  return `a scrub names them when its slice comes round again, or now \`lifeboat scrub --fraction 1${options}\``;
}

/**
 * Maps the objects left unrepaired with no good copy (lost, archived other copy, or other copy left unread at the repair
 * cutoff) to the backups they hit (describeDamage), in one walk that starts no read after the deadline less
 * DAMAGE_MAPPING_MARGIN_MS: it reads snapshots, index objects and manifests after the repairs, ~5 requests a snapshot
 * whatever the damage, and unbounded it ran past the Lambda's timeout in a vault of a few thousand snapshots, so the run
 * recorded nothing, published no metric and the damage was never reported, run after run (audit aX2-1; until then only
 * the unverified objects were bounded). Cut there, each object is still reported, without its backups and with a note
 * saying why and when they are named. Without a deadline it is not bounded.
 */
async function describeDamageUntil(
  vaults: Partial<Record<VaultSide, Vault>>,
  objects: ReadonlyMap<string, readonly VaultSide[]>,
  left: ReadonlyMap<string, { readonly kind: MappedKind; readonly problems: ReadonlySet<ScrubFinding['problem']>; readonly copiedInto: ReadonlySet<VaultSide> }>,
  run: { readonly deadline: number | undefined; readonly now: () => number; readonly indexObjects: ScrubIndexObjects | undefined; readonly commandOptions: string; readonly repair: boolean | undefined },
): Promise<{ described: DamagedObject[]; cut: boolean }> {
  const { deadline, now, indexObjects, commandOptions } = run;
  // How each object is known words it in a refused read's stop (review r64K F1: each was called lost in both vaults).
  const reading = { ...(run.repair === undefined ? {} : { repair: run.repair }), known: new Map([...left].map(([key, l]) => [key, l.kind])) };
  const taken: IndexObjectRead | undefined = indexObjects ? (id) => indexObjects.take(id) : undefined;
  if (deadline === undefined) return { described: await describeDamage(vaults, objects, taken, commandOptions, reading), cut: false };
  const until = deadline - DAMAGE_MAPPING_MARGIN_MS;
  const bounded: Partial<Record<VaultSide, Vault>> = {};
  for (const side of ['primary', 'dr'] as const) {
    const vault = vaults[side];
    if (vault) bounded[side] = readsUntilVault(vault, until, now);
  }
  // One the run read already is taken where its read would have been started: not past the cutoff either.
  const location = (bounded.primary ?? bounded.dr)?.location ?? 'vault';
  const takenUntil: IndexObjectRead | undefined =
    taken &&
    ((id) => {
      const object = taken(id);
      if (object !== undefined && now() >= until) throw new ReadsStoppedError(location, indexKey(id));
      return object;
    });
  try {
    return { described: await describeDamage(bounded, objects, takenUntil, commandOptions, reading), cut: false };
  } catch (err) {
    if (!(err instanceof ReadsStoppedError)) throw err;
    const note = (key: string): string => {
      const { kind, problems, copiedInto } = left.get(key) ?? { kind: 'lost' as const, problems: new Set(['missing' as const]), copiedInto: new Set<VaultSide>() };
      return `the backups it holds data of were not worked out: the run's deadline came first; ${whenMappedAgain(key, kind, problems, copiedInto, commandOptions)}`;
    };
    return { described: [...objects].map(([key, sides]) => ({ key, vaults: sides, affects: [], note: note(key) })), cut: true };
  }
}
