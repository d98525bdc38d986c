import { drillsShowCommand } from '../../../cli/commands/drill-commands';
import { DRILL_ID } from '../../../lambdas/catalog/drill-id';
import { DEFAULT_CONFIG_FILE } from '../../../config/load-config';
import { capturedCliIo } from '../../support/captured-cli-io';

const TARGET = { config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' };

describe('lifeboat drills show: an id it does not take', () => {
  it('is refused with the id escaped: a newline, ESC or U+202E in it forges no line and drives no terminal (review r62M F2)', async () => {
    const forged = '20261128T101500Z-3c4d5e6f\n✓ demo: within objectives\u001b[32m\u202e';
    const { err, io } = capturedCliIo();
    expect(await drillsShowCommand(forged, TARGET, { io })).toBe(2);
    expect(err).toEqual(['lifeboat drills show: drill id 20261128T101500Z-3c4d5e6f\\u000a✓ demo: within objectives\\u001b[32m\\u202e: must look like 20261130T101500Z-1a2b3c4d (see lifeboat drills list)']);
    // An ordinary wrong id reads as typed.
    const plain = capturedCliIo();
    expect(await drillsShowCommand('yesterday', TARGET, { io: plain.io })).toBe(2);
    expect(plain.err).toEqual(['lifeboat drills show: drill id yesterday: must look like 20261130T101500Z-1a2b3c4d (see lifeboat drills list)']);
  });

  it('takes the form status prints `drills show` for, the one constant both read', () => {
    expect(DRILL_ID.test('20261130T101500Z-1a2b3c4d')).toBe(true);
    expect(DRILL_ID.test('20261130T101500Z-1a2b3c4d\n')).toBe(false);
  });
});
