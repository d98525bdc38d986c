/** Seconds from the ISO time `from` to `now`, never negative (a clock ahead of this machine's reads as just now). */
export function secondsBetween(from: string, now: Date): number {
  return Math.max(0, (now.getTime() - Date.parse(from)) / 1000);
}
