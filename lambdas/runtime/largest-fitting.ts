/**
 * The largest n in [low, high) for which `fits(n)` holds, by halving: `fits` must hold at `low`, fail at `high`, and
 * hold for every n below one it holds for (a text cut to n characters that fits still fits cut shorter).
 */
export function largestFitting(low: number, high: number, fits: (n: number) => boolean): number {
  let fitting = low;
  let over = high;
  while (fitting < over - 1) {
    const mid = Math.floor((fitting + over) / 2);
    if (fits(mid)) fitting = mid;
    else over = mid;
  }
  return fitting;
}
