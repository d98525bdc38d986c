import { type LifeboatSource } from './lifeboat-source';

/** How many backups a plan keeps (at least one of them > 0). Same fields as a plan's `retention` in lifeboat.config.json. */
export type LifeboatRetention = {
  /** @default none by count */
  readonly keepLast?: number;
  /** @default none by day */
  readonly keepDaily?: number;
  /** @default none by week */
  readonly keepWeekly?: number;
  /** @default none by month */
  readonly keepMonthly?: number;
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
  /** At least one; source names are unique within a protection. */
  readonly sources: readonly LifeboatSource[];
};
