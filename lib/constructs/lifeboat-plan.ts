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
  /** At least one; source names are unique within a protection. */
  readonly sources: readonly LifeboatSource[];
};
