// Jest testSequencer: the slowest suites first, so that the two workers finish together.
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

/**
 * Rough milliseconds per byte of test file, by folder (measured on the repository's suites): a
 * fresh clone has no timings from an earlier run, and jest's fallback, file size alone, starts
 * the long end-to-end suites late, behind big but quick unit files. First match wins.
 */
const MS_PER_BYTE = [
  ['test/integration/package/', 12],
  ['test/e2e/', 6],
  ['test/integration/lambdas/', 3],
  ['test/integration/', 1],
  ['test/infra/', 1],
  ['test/unit/', 0.3],
];

class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    // With a duration for every suite from an earlier run, jest's own order (failed, then slowest first) is best.
    if (tests.every((test) => this.time(test) !== undefined)) return super.sort(tests);
    const estimate = (test) => {
      const known = this.time(test);
      if (known !== undefined) return known;
      const rel = path.relative(test.context.config.rootDir, test.path).split(path.sep).join('/');
      const rate = MS_PER_BYTE.find(([folder]) => rel.startsWith(folder))?.[1] ?? 1;
      return (test.context.hasteFS.getSize(test.path) ?? 0) * rate;
    };
    const estimates = new Map(tests.map((test) => [test, estimate(test)]));
    return [...tests].sort((a, b) => estimates.get(b) - estimates.get(a));
  }
}

module.exports = SlowFirstSequencer;
