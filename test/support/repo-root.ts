import * as path from 'node:path';

/** The repository root, so tests find the sample config and the CLI wherever their file sits in test/. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The sample `lifeboat.config.json` the demo and the tests use. */
export const SAMPLE_CONFIG_FILE = path.join(REPO_ROOT, 'lifeboat.config.json');
