import { readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * `<dataDir>/scheduler.json`: how the scheduler process announces itself and its plan (written when
 * it is ready and after every firing, removed when it stops), and `<dataDir>/scheduler-stacks.json`,
 * the synthesized stacks `local up` hands it. `local status` and `local schedules list` read these.
 */
export const schedulerStateSchema = z.object({
  pid: z.number().int().positive(),
  /**
   * The process's start time (process-start-time.ts): a scheduler killed hard (or by a reboot) leaves this file, and
   * its pid may since be another program's, which `local down` must not signal. Absent without /proc and in the file
   * of a scheduler started before it was recorded: then a live pid alone means running.
   */
  processStartTime: z.string().optional(),
  startedAt: z.string(),
  /** The cloud process it serves; it stops when that one does. */
  cloudPid: z.number().int().positive(),
  schedules: z.array(
    z.object({
      name: z.string(),
      expression: z.string(),
      timezone: z.string(),
      state: z.enum(['ENABLED', 'DISABLED']),
      stateMachine: z.string().optional(),
      nextFireTime: z.string().optional(),
      lastFiring: z.object({ scheduledTime: z.string(), executionId: z.string().optional(), error: z.string().optional() }).optional(),
    }),
  ),
});

export type SchedulerState = z.infer<typeof schedulerStateSchema>;

export function schedulerFiles(dataDir: string): { stateFile: string; stacksFile: string; logFile: string } {
  const root = resolve(dataDir);
  return { stateFile: join(root, 'scheduler.json'), stacksFile: join(root, 'scheduler-stacks.json'), logFile: join(root, 'scheduler.log') };
}

export function readSchedulerState(dataDir: string): SchedulerState | undefined {
  try {
    const parsed = schedulerStateSchema.safeParse(JSON.parse(readFileSync(schedulerFiles(dataDir).stateFile, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function writeSchedulerState(dataDir: string, state: z.input<typeof schedulerStateSchema>): void {
  const { stateFile } = schedulerFiles(dataDir);
  mkdirSync(resolve(dataDir), { recursive: true });
  const tmp = `${stateFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, stateFile);
}

export function removeSchedulerState(dataDir: string): void {
  rmSync(schedulerFiles(dataDir).stateFile, { force: true });
}
