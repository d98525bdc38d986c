import { holdCommand } from '../../../cli/commands/legal-hold-halves';
import { parsePrintedCommand } from '../../support/printed-command-parse';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r65Q F4: holdCommand printed the backup id through shellWord alone, so an id beginning with `-` was read as an
 * option when pasted (the line refused, or `--yes` taken as a flag) and `=ls` was expanded by zsh. The id is printed as
 * pastedIdWord prints it, one beginning with `-` after a `--` at the end of the line.
 */
it.each([['-x'], ['--reason'], ['=ls'], ['b-1']])('the hold and release lines of backup %j paste and name that backup', async (backupId) => {
  const options = { config: SAMPLE_CONFIG_FILE, env: 'prod', dataDir: '.unused', aws: true, reason: 'case 42' };
  for (const [verb, half] of [['hold', { only: 'dr' }], ['release', {}]] as const) {
    const line = holdCommand(verb, backupId, options, 'ann', half);
    const parsed = await parsePrintedCommand(line);
    expect(parsed.refused).toBeUndefined();
    expect(parsed.args?.[0]).toBe(backupId);
    expect(parsed.args?.[1]).toEqual(expect.objectContaining({ env: 'prod', aws: true, ...(verb === 'hold' ? { reason: 'case 42', by: 'ann', only: 'dr' } : {}) }));
  }
  if (backupId.startsWith('=')) expect(holdCommand('release', backupId, options, 'ann', {})).toContain(`release '${backupId}'`);
});
