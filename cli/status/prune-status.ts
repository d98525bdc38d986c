import { type PruneRunRecord } from '../../lambdas/catalog/prune-record';
import { pruneCommandLine } from '../../lambdas/retention/prune-command-line';

/**
 * The last prune of a vault as `lifeboat status` shows it, from the latest `PRUNE#<vault>` item of
 * the vault's region's catalog (prune-record.ts). Shown, not judged: a prune that stopped running
 * costs space, not recoverability, and its failed executions are what the alarms watch. Damaged packs
 * it met are shown as a warning, as the scrub's corruption is: the run succeeded, and the prune-damage
 * alarm is the one that tells.
 */
export type PruneStatus =
  | { state: 'never' }
  | { state: 'unreadable'; note: string }
  | {
      state: 'ran';
      vault: 'primary' | 'dr';
      trigger: PruneRunRecord['trigger'];
      startedAt: string;
      finishedAt: string;
      /** Since `finishedAt`. */
      ageSeconds: number;
      durationMs: number;
      /** DEADLINE: its last invocation ran out of time, the workflow continues it (or was stopped). */
      outcome: PruneRunRecord['outcome'];
      bytesFreed: number;
      deletedPacks: number;
      packsRepacked: number;
      condemnedPacks: number;
      lockedSkipped: number;
      /** Packs holding a live blob that fails authentication (bit rot in a kept backup): the scrub repairs them from the other vault. */
      damagedPacks: number;
      /**
       * A DEADLINE run an invocation's error stopped: no invocation continues it (prune-record.ts). `error` and `message`
       * as the workflow recorded them: the message's `lifeboat prune` line is the workflow's, with only --env and --aws;
       * `command` is the one to run from a machine, with the target options of the command reading it (review r58E F2).
       */
      stoppedBy?: { error: string; message: string; command: string };
    };

/** `commandOptions`: the reading command's target options for a vault (vaultTargetOptionsLine), with a leading space. */
export function pruneStatus(latest: PruneRunRecord | undefined | { unreadable: string }, now: Date, commandOptions = ''): PruneStatus {
  if (!latest) return { state: 'never' };
  if ('unreadable' in latest) return { state: 'unreadable', note: latest.unreadable };
  return {
    state: 'ran',
    vault: latest.vault,
    trigger: latest.trigger,
    startedAt: latest.startedAt,
    finishedAt: latest.finishedAt,
    ageSeconds: Math.max(0, (now.getTime() - Date.parse(latest.finishedAt)) / 1000),
    durationMs: latest.durationMs,
    outcome: latest.outcome,
    bytesFreed: latest.bytesFreed,
    deletedPacks: latest.deleted.packs,
    packsRepacked: latest.packsRepacked,
    condemnedPacks: latest.condemned.packs,
    lockedSkipped: latest.lockedSkipped,
    damagedPacks: latest.damagedPacks,
    ...(latest.stoppedBy && latest.outcome === 'DEADLINE' ? { stoppedBy: { ...latest.stoppedBy, command: pruneCommandLine({ vault: latest.vault, options: commandOptions }) } } : {}),
  };
}
