import { machineBusySeconds } from './measure';

/** Wall time of in-process work, and the CPU other processes used meanwhile (the machine is shared). */
export type InProcessTiming<T> = {
  readonly value: T;
  readonly seconds: number;
  /** CPU seconds of the bench's process (its codec and libuv threads included). */
  readonly selfCpuSeconds: number;
  /** CPU seconds the rest of the machine used meanwhile, from /proc/stat; undefined where /proc is absent. */
  readonly otherCpuSeconds?: number;
};

/**
 * Times `work` run in this process with a monotonic clock. process.cpuUsage() counts every thread of
 * the process, so what /proc/stat adds beyond it is a neighbour's, which slows the figure.
 */
export async function timeInProcess<T>(work: () => Promise<T>): Promise<InProcessTiming<T>> {
  const busyBefore = machineBusySeconds();
  const selfBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const value = await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const self = process.cpuUsage(selfBefore);
  const busyAfter = machineBusySeconds();
  const selfCpuSeconds = (self.user + self.system) / 1e6;
  const otherCpuSeconds = busyBefore !== undefined && busyAfter !== undefined ? Math.max(0, busyAfter - busyBefore - selfCpuSeconds) : undefined;
  return { value, seconds, selfCpuSeconds, ...(otherCpuSeconds !== undefined ? { otherCpuSeconds } : {}) };
}
