import * as path from 'node:path';
import { type ScrubAccess, scrubCommand } from '../../../cli/commands/scrub-command';
import { type ScrubRunRecord } from '../../../lambdas/catalog/scrub-record';
import { capturedCliIo } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { corrupt, listKeys, scrubVaultPair, type VaultPair } from '../../support/scrub-vault-pair';
import { removeDir, tempDir } from '../../support/vault-test-helpers';

// Review r65X F1: with the dr vault unopened, the CLI's REPAIRABLE verdict said "scrub again with --repair once it
// opens" and, in the same lines, "or now with `lifeboat scrub --fraction 1 --repair`", a run that meets the same vault.
it('a REPAIRABLE verdict with the dr vault unopened says every repair waits for it to open, never "now"', async () => {
  const dir = await tempDir('scrub-cli-unopened');
  try {
    const pair: VaultPair = await scrubVaultPair(path.join(dir, 'src'));
    const runs: ScrubRunRecord[] = [];
    const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:38081'), { code: 'ECONNREFUSED' });
    const access: ScrubAccess = {
      environment: { name: 'dev' },
      scrubLog: { latest: async () => runs.at(-1), record: async (run) => void runs.push(run) },
      openVault: async (side) => (side === 'primary' ? pair.primary : Promise.reject(refused())),
    };
    const [pack] = await listKeys(pair.primary.store, 'data/');
    await corrupt(pair.primary.store, pack!);
    const { out, err, io } = capturedCliIo();
    const code = await scrubCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/nonexistent', vault: 'primary', fraction: '1', repair: true }, { io, access });
    expect(code).toBe(1);
    expect(runs.at(-1)?.outcome).toBe('REPAIRABLE');
    const printed = [...out, ...err].join('\n');
    expect(printed).toContain('scrub again with --repair once it opens');
    expect(printed).toContain('once the dr vault opens');
    expect(printed).not.toContain('or now with');
  } finally {
    await removeDir(dir);
  }
});
