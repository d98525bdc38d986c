import { type Template } from 'aws-cdk-lib/assertions';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { environmentKeys } from '../../../cli/estimate/environment-keys';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { sampleEnvironmentTemplates } from './sample-environment-templates';

/**
 * `lifeboat estimate` charges an environment for the KMS keys cli/estimate/environment-keys.ts lists; these must be
 * the AWS::KMS::Key resources its two stacks make (audit a1 F5: the estimate counted 2 and the README 3 of the 9
 * the sample environment deploys). Each is kept when its stack is deleted, as README's "Removing it" says.
 */

type KeyResource = { Properties: { Description: string }; DeletionPolicy?: string };

/** The estimate's name of a key, from the description its construct gives it. */
function keyName(description: string): string {
  const match = /^Lifeboat (?:vault |logs of stack |\S+ (?:DR )?(catalog|alarm topic|mirrors)$)/.exec(description);
  if (!match) throw new Error(`a KMS key the estimate does not know: "${description}" (add it to cli/estimate/environment-keys.ts)`);
  return match[1] ?? (description.startsWith('Lifeboat vault ') ? 'vault' : 'logs');
}

describe('the KMS keys lifeboat estimate charges for', () => {
  it('are the keys of the sample environment\'s templates, stack by stack, each retained', async () => {
    const templates = await sampleEnvironmentTemplates('dev');
    const expected = environmentKeys(findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev'));
    const inTemplate = (template: Template) => {
      const keys = Object.values(template.findResources('AWS::KMS::Key')) as KeyResource[];
      expect(keys.filter((k) => k.DeletionPolicy !== 'Retain').map((k) => k.Properties.Description)).toEqual([]);
      return keys.map((k) => keyName(k.Properties.Description)).sort();
    };
    for (const stack of ['primary', 'dr'] as const) {
      expect({ stack, keys: inTemplate(templates[stack]) }).toEqual({ stack, keys: expected.filter((k) => k.stack === stack).map((k) => k.key).sort() });
    }
    // The sample mirrors an S3 source: 4 keys in each stack and the mirrors' key.
    expect(expected).toHaveLength(9);
  });
});
