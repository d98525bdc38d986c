import { type LifeboatSource } from './lifeboat-source';

/**
 * Which backups a vault keeps: the union of its rules (at least one keep rule), like restic's
 * `forget` policy. Same fields as a plan's `retention` in lifeboat.config.json; docs/RUNBOOKS.md,
 * "Retention". A backup under a legal hold (`lifeboat backups hold`) is kept whatever the policy.
 */
export type LifeboatRetention = {
  /** The newest N committed backups, N ≥ 1. @default none by count */
  readonly keepLast?: number;
  /** The newest backup of each of the newest N hours that have one. @default none by hour */
  readonly keepHourly?: number;
  /** The newest backup of each of the newest N days that have one. @default none by day */
  readonly keepDaily?: number;
  /** The newest backup of each of the newest N ISO weeks that have one. @default none by week */
  readonly keepWeekly?: number;
  /** The newest backup of each of the newest N months that have one. @default none by month */
  readonly keepMonthly?: number;
  /** The newest backup of each of the newest N years that have one. @default none by year */
  readonly keepYearly?: number;
  /** Every backup started within this duration before the newest one: "36h", "7d", "2w", "6m", "1y". @default none */
  readonly keepWithin?: string;
  /** Backups younger than this are never forgotten (same syntax as keepWithin). @default none */
  readonly minAge?: string;
  /** IANA time zone the hourly … yearly buckets are counted in. @default 'UTC' */
  readonly timeZone?: string;
};

/** Recovery objectives: how much data a loss may cost (RPO) and how long a restore may take (RTO). */
export type LifeboatObjectives = {
  readonly rpoMinutes: number;
  readonly rtoMinutes: number;
};

/** The plan's scheduled restore-and-verify drill. Same fields as a plan's `drill` in lifeboat.config.json. */
export type LifeboatDrill = {
  /** EventBridge Scheduler expression (UTC) of the drill schedule `<prefix>-drill-<plan>`. */
  readonly schedule: string;
  /**
   * `latest`: the newest committed backup in the vault; `random-within-window`: any committed backup of the last `windowDays`.
   * @default 'latest'
   */
  readonly selection?: 'latest' | 'random-within-window';
  /**
   * Days back the random selection and the RPO's largest-gap measure look, 1-3650.
   * @default 7
   */
  readonly windowDays?: number;
  /**
   * The vault (and so the region) the drill restores from: the drill runs in that region's stack.
   * @default 'dr'
   */
  readonly vault?: 'dr' | 'primary';
  /**
   * Entries per source compared with the live source (those unchanged since the backup), 0-10000.
   * @default 10
   */
  readonly samples?: number;
};

/**
 * Where a plan's packs move after some days. Only packs move; index, manifest, snapshot, key and config objects stay in S3 Standard.
 */
export type LifeboatStorageTiers = {
  /** Packs move to a class that is still read at once. STANDARD_IA needs afterDays ≥ 30 (S3's rule). @default none */
  readonly transition?: { readonly storageClass: 'STANDARD_IA' | 'INTELLIGENT_TIERING' | 'GLACIER_IR'; readonly afterDays: number };
  /**
   * Packs move to an archive class (after the transition, when both are given): a restore that needs them thaws them
   * first (RestoreObject with `retrievalTier`, default 'Standard'; Deep Archive has no 'Expedited') and waits hours.
   * @default none
   */
  readonly archive?: {
    readonly storageClass: 'GLACIER' | 'DEEP_ARCHIVE';
    readonly afterDays: number;
    /** How a restore thaws the archived packs (S3's RestoreObject tier; Deep Archive has no 'Expedited'). @default 'Standard' */
    readonly retrievalTier?: 'Expedited' | 'Standard' | 'Bulk';
  };
};

/**
 * A protection plan: which sources are backed up, when, how, and how long backups are kept. Validated
 * by the schema of lifeboat.config.json's plans (config/lifeboat-config.ts): the same name rules,
 * schedule expressions and retention checks.
 */
export type LifeboatPlan = {
  /** 2-32 lowercase letters, digits or dashes, starting with a letter; unique within a protection. */
  readonly name: string;
  /** EventBridge Scheduler expression (UTC): `rate(N unit)`, `cron(...)` or `at(...)`. */
  readonly schedule: string;
  /** 'full' reads everything; 'incremental' only what changed since the last backup; 'differential' since the last full one. */
  readonly strategy: 'full' | 'incremental' | 'differential';
  readonly retention: LifeboatRetention;
  /**
   * The DR vault's retention (it may keep longer than the primary's).
   * @default the plan's `retention`
   */
  readonly drRetention?: LifeboatRetention;
  readonly objectives: LifeboatObjectives;
  /**
   * Upper bound of concurrent snapshot shards of one backup (the Map state's MaxConcurrency), 1-1000.
   * @default 8
   */
  readonly maxConcurrency?: number;
  /**
   * The scheduled restore-and-verify drill.
   * @default none: drills run only when started (`lifeboat drill run`, or the `<prefix>-drill` state machine)
   */
  readonly drill?: LifeboatDrill;
  /**
   * Storage classes of the packs this plan's backups write (S3 lifecycle rules on both vaults; docs/ARCHITECTURE.md,
   * "Storage tiers"). Same fields and checks as a plan's `storage` in lifeboat.config.json.
   * @default packs stay in S3 Standard
   */
  readonly storage?: LifeboatStorageTiers;
  /** At least one; source names are unique within a protection. */
  readonly sources: readonly LifeboatSource[];
};
