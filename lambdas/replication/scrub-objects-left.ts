import { type VaultSide } from '../runtime/runtime-config';
import { type ScrubFinding } from './scrub-report';

/** An object a run left damaged or missing: the vaults it is bad in, its first finding's problem and reason. */
export type LeftObject = { readonly sides: VaultSide[]; readonly problem: ScrubFinding['problem']; readonly reason: string | undefined };

/**
 * How every message names an other vault's copy that is archived (ScrubFinding `otherCopy`): not read until a thaw, so
 * neither a good copy nor a damaged one (review rAA F1). One wording, so that a reader meets the same words in the
 * runbook's failure, the CLI's verdict, the finding's reason and `lifeboat status`.
 */
export const ARCHIVED_COPY = 'an archived copy, not verified';

/**
 * How every message names an other vault's copy whose check was refused (ScrubFinding `otherCopyRefused`): the next
 * scrub is refused the same way, so unlike unverifiedCopy no later scrub is said to verify it (review r63Y F1).
 */
export const REFUSED_COPY = 'could not be read (refused): fix the permission the reason names, then scrub with repair again';

/**
 * REFUSED_COPY where the reason is not shown (`lifeboat status`: the scrub record keeps no reason, review r63AB F2): the
 * scrub's verdict or alarm names the refused permission; then the scrub with repair that reads the object again, whose
 * command line ends with `options` (as whenRepairedAgain's).
 */
export function refusedCopyUntilFixed(problems: Iterable<ScrubFinding['problem']>, options = ''): string {
  const corrupt = new Set(problems).has('corrupt');
  return `could not be read (refused): fix the permission the scrub's verdict or alarm names, then run \`lifeboat scrub ${corrupt ? '--fraction 1 ' : ''}--repair${options}\` again`;
}

/**
 * When a scrub with repair reads again an object a run left for want of time, by its problem: a missing one is found by
 * every run (from the full listings), a corrupt one only by the run whose slice holds it, a cycle later (review rN F3).
 * `options`: the target options, with a leading space, of the command printing it, which its `lifeboat scrub` line ends
 * with (`lifeboat status`'s: until review r58E F1 the line was bare, and pasted after `status --aws` it repaired the local
 * cloud); none where the printer knows no target. `unopened`: the vault(s) the run could not open ("the dr vault"), or
 * none: a scrub run now meets the same unopened vault and reads no copy, so the advice waits for it to open, as the
 * CLI's verdict does (until review r65S F3 the alarm said "or now").
 */
export function whenRepairedAgain(problems: Iterable<ScrubFinding['problem']>, options = '', unopened = ''): string {
  const of = new Set(problems);
  const command = `\`lifeboat scrub --fraction 1 --repair${options}\``;
  const now = unopened ? `or at once with ${command}` : `or now with ${command}`;
  const once = unopened ? `once ${unopened} opens, ` : '';
  if (!of.has('corrupt')) return `${once}the next scrub with repair verifies and copies it`;
  if (!of.has('missing')) return `${once}a scrub with repair verifies and copies it when its slice comes round again, ${now}`;
  return `${once}the next scrub with repair verifies and copies a missing one; a corrupt one when its slice comes round again, ${now}`;
}

/** The vaults a run could not open, as the advice that waits for them names them ("the dr vault"); empty when none. */
export function unopenedVaultsNamed(sides: readonly VaultSide[]): string {
  return sides.map((side) => `the ${side} vault`).join(' and ');
}

/**
 * How every message names an other vault's copy the run's deadline left unread (ScrubFinding `otherCopy: 'unverified'`):
 * it may be damaged too (review rJJ F3), so not a good copy, but no thaw is needed; then when a scrub reads it, which
 * differs by problem (whenRepairedAgain). One wording, as ARCHIVED_COPY.
 */
export function unverifiedCopy(problems: Iterable<ScrubFinding['problem']>, options = '', unopened = ''): string {
  return `a copy in the other vault, not verified in this run: ${whenRepairedAgain(problems, options, unopened)}`;
}

/**
 * How every message names objects within an earlier lost group's range whose other copy went unread (ObjectsLeft
 * `inLostGroup`), then what to do: the CLI's verdict and the scrub alarm say the same (review r65A F2, F3).
 */
export const IN_LOST_GROUP = 'an earlier scrub counted among lost ones may be among those found, so that count is kept as lost';

/** What to do for them: with a refused read, fix the permission first; else scrub again once their other copies can be read. */
export function inLostGroupAdvice(refused: boolean, unopened = ''): string {
  if (refused) return 'fix the permission the reason names, then scrub again with --repair to read their other copies';
  return unopened ? `scrub again with --repair once ${unopened} opens` : 'scrub again with --repair to read their other copies';
}

/**
 * What a scrub left damaged or missing, by object (an object bad in both vaults is one finding per vault, one object
 * here), in the six kinds whose advice differs: `lost` with no good copy in either vault, `archived` whose other copy
 * is an archived copy, not verified (a thaw, then a repair; until then its backups cannot be restored from the vault it
 * is bad in), `unverified` whose other copy the run's deadline left unread (a scrub with repair that reads it: whenRepairedAgain), `refused` whose other copy's check was refused (REFUSED_COPY), `stopped` with a good copy that something stood in the way of copying (goodCopy: each reason says what to
 * do), and `repairable` not repaired for want of repair. The scrub runbook's failure message (scrub-runbook.ts) and
 * `lifeboat scrub`'s verdict both count these.
 */
export type ObjectsLeft = {
  readonly lost: ReadonlyMap<string, LeftObject>;
  readonly archived: ReadonlyMap<string, LeftObject>;
  readonly unverified: ReadonlyMap<string, LeftObject>;
  /** Whose other copy's check was refused (REFUSED_COPY), recorded as unverified. */
  readonly refused: ReadonlyMap<string, LeftObject>;
  readonly stopped: ReadonlyMap<string, LeftObject>;
  readonly repairable: ReadonlyMap<string, LeftObject>;
  /**
   * Within an earlier lost group's range, their other copy unread (ScrubFinding `inLostGroup`): they may be among its
   * losses, so the group is kept as lost and the run DAMAGED. Apart from `unverified` and `refused`, whose advice says
   * nothing is lost and promises a scrub verifies them (review r65A F2). `refused`: some had their other copy's read
   * refused (`otherCopyRefused`), so a permission must be fixed first (F3).
   */
  readonly inLostGroup: ReadonlyMap<string, LeftObject>;
  readonly inLostGroupRefused: boolean;
};

export function objectsLeft(findings: readonly ScrubFinding[]): ObjectsLeft {
  const group = (kind: readonly ScrubFinding[]): Map<string, LeftObject> => {
    const byKey = new Map<string, LeftObject>();
    for (const f of kind) {
      const seen = byKey.get(f.key);
      if (seen) seen.sides.push(f.vault);
      else byKey.set(f.key, { sides: [f.vault], problem: f.problem, reason: f.reason });
    }
    return byKey;
  };
  const unrepaired = findings.filter((f) => f.outcome === 'unrepaired');
  const lost = group(unrepaired.filter((f) => f.goodCopy !== true && f.otherCopy === undefined));
  const inLostGroup = unrepaired.filter((f) => f.inLostGroup === true && !lost.has(f.key));
  return {
    lost,
    // An object lost in one vault is lost, whatever its finding in the other says.
    archived: group(unrepaired.filter((f) => f.otherCopy === 'archived' && !lost.has(f.key))),
    unverified: group(unrepaired.filter((f) => f.otherCopy === 'unverified' && f.otherCopyRefused !== true && f.inLostGroup !== true && !lost.has(f.key))),
    refused: group(unrepaired.filter((f) => f.otherCopyRefused === true && f.inLostGroup !== true && !lost.has(f.key))),
    stopped: group(unrepaired.filter((f) => f.goodCopy === true)),
    repairable: group(findings.filter((f) => f.outcome === 'repairable')),
    inLostGroup: group(inLostGroup),
    inLostGroupRefused: inLostGroup.some((f) => f.otherCopyRefused === true),
  };
}
