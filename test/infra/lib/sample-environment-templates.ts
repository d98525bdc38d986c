import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { loadLifeboatConfig } from '../../../config/load-config';
import { synthesizeEnvironment } from '../../../local/assembly/synthesize';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { tempOutdir } from '../../support/temp-outdir';

/**
 * The templates of an environment of lifeboat.config.json as synthesizeEnvironment gives them to the local cloud:
 * from the run's synthesis cache (LIFEBOAT_SYNTH_CACHE, test/support/jest-global-setup.ts), where the local-cloud and
 * end-to-end suites have put them, instead of a synth of the test file's own (1.5–4 s of CPU). They are the
 * templates synthesizeApp gives for that app, plus the asset metadata the local executor reads.
 */
export async function sampleEnvironmentTemplates(envName = 'dev'): Promise<{ primary: Template; dr: Template }> {
  const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
  // The output directory is written only when no cache is set.
  const stacks = await synthesizeEnvironment({ config, envName, outdir: path.join(tempOutdir(), 'cdk.out') });
  const templateOf = (role: 'primary' | 'dr'): Template => {
    const stack = stacks.find((s) => s.role === role);
    if (!stack) throw new Error(`synthesizeEnvironment gave no ${role} stack for environment ${envName}`);
    return Template.fromJSON(stack.template as Record<string, unknown>);
  };
  return { primary: templateOf('primary'), dr: templateOf('dr') };
}
