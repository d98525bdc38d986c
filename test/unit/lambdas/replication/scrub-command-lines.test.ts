import { readsOnlyThrough } from '../../../../lambdas/replication/copied-snapshot-reasons';
import { lookHeldBackReason, lookOutgrewMemory } from '../../../../lambdas/replication/look-after-copy';
import { ScrubListingTooLargeError } from '../../../../lambdas/replication/scrub-listing-too-large-error';
import { ScrubNeedsTooLargeError } from '../../../../lambdas/replication/scrub-needs-too-large-error';
import { heldBackReason, readAfterWorkOutReason } from '../../../../lambdas/replication/vault-needs-work-out';

/**
 * Review r59L F1: the scrub's reasons and memory errors built their `lifeboat scrub` lines bare, so one pasted after a
 * scheduled scrub in AWS ran against the local cloud (or the default environment). Each line now ends with the run's
 * target options (ScrubVaultsOptions.commandOptions), as the scrub's other command lines have since 275a87cb.
 */
const OPTIONS = ' --env prod --aws';

/** Every `lifeboat scrub …` command in `text`, up to the backquote, parenthesis or end that closes it. */
function scrubLines(text: string): string[] {
  return [...text.matchAll(/lifeboat scrub[^`)]*/g)].map((m) => m[0].trim());
}

const texts: Record<string, string> = {
  'heldBackReason (memory)': heldBackReason('dr', 'memory', OPTIONS),
  'heldBackReason (deadline)': heldBackReason('dr', 'deadline', OPTIONS),
  readAfterWorkOutReason: readAfterWorkOutReason('primary', OPTIONS),
  lookOutgrewMemory: lookOutgrewMemory('dr', 2048, OPTIONS),
  'lookHeldBackReason (memory)': lookHeldBackReason('dr', 'memory', OPTIONS),
  'lookHeldBackReason (deadline)': lookHeldBackReason('primary', 'deadline', OPTIONS),
  'readsOnlyThrough (it)': readsOnlyThrough('dr', { count: 2, first: ['data/00/aa', 'index/bb'] }, 'it', OPTIONS),
  'readsOnlyThrough (them, not told apart)': readsOnlyThrough('primary', { count: 3, first: ['data/00/aa'], notToldApart: 'the deadline came first' }, 'them', OPTIONS),
  ScrubListingTooLargeError: new ScrubListingTooLargeError('primary', 's3://vault', 10_000_000, 5_000_000, 3008, 300, OPTIONS).message,
  ScrubNeedsTooLargeError: new ScrubNeedsTooLargeError('s3://vault', 10, 5, 3008, OPTIONS).message,
};

it.each(Object.entries(texts))("%s: every 'lifeboat scrub' line ends with the run's target options", (_name, text) => {
  const lines = scrubLines(text);
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.filter((line) => !line.endsWith(OPTIONS))).toEqual([]);
});
