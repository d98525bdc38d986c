import { readFileSync } from 'node:fs';
import { type EnvironmentConfig } from '../../../../config/lifeboat-config';
import { findEnvironment, parseLifeboatConfig } from '../../../../config/load-config';
import { environmentEstimate } from '../../../../cli/estimate/environment-estimate';
import { environmentKeys } from '../../../../cli/estimate/environment-keys';
import { FIXED_PRICES } from '../../../support/fixed-price-table';
import { SAMPLE_CONFIG_FILE } from '../../../support/repo-root';

/**
 * The KMS keys `lifeboat estimate` charges an environment for, by the sources that decide the mirrors' key. That these
 * are the keys the stacks make: test/infra/lib/environment-keys-template.test.ts (audit a1 F5: the estimate counted 2).
 */

type RawSource = { type: string; name: string; mirror?: boolean };
type RawConfig = { environments: { name: string; fileSystem?: unknown; plans: { sources: RawSource[] }[] }[] };

const EFS = {
  efs: { fileSystemId: 'fs-0123456789abcdef0', accessPointId: 'fsap-0123456789abcdef0', vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], securityGroupId: 'sg-0123456789abcdef0' },
};

/** The sample's dev environment with each source's `mirror` as `mirrored` says (absent: none), and a file system if asked. */
function dev(mirrored: Record<string, boolean>, fileSystem = false): EnvironmentConfig {
  const raw = JSON.parse(readFileSync(SAMPLE_CONFIG_FILE, 'utf8')) as RawConfig;
  for (const env of raw.environments) {
    if (fileSystem) env.fileSystem = EFS;
    for (const source of env.plans.flatMap((p) => p.sources)) {
      delete source.mirror;
      if (mirrored[source.name] !== undefined) source.mirror = mirrored[source.name];
    }
  }
  return findEnvironment(parseLifeboatConfig(raw), 'dev');
}

const names = (env: EnvironmentConfig) => environmentKeys(env).map((k) => `${k.stack} ${k.key}`);
const EIGHT = ['primary vault', 'primary catalog', 'primary alarm topic', 'primary logs', 'dr vault', 'dr catalog', 'dr alarm topic', 'dr logs'];

describe('the KMS keys of an environment', () => {
  it('without mirrors: vault, catalog, alarm topic and logs in each region', () => {
    expect(names(dev({}))).toEqual(EIGHT);
    // A mirrored DynamoDB source is its own global table's replica: no key of ours (source-mirrors.ts).
    expect(names(dev({ 'demo-orders': true }))).toEqual(EIGHT);
    expect(names(dev({ 'demo-assets': false }))).toEqual(EIGHT);
  });

  it('a mirrored S3 source, or a mirrored file-system source of an environment with a file system, adds the mirrors\' key in the DR stack', () => {
    expect(names(dev({ 'demo-assets': true }))).toEqual([...EIGHT, 'dr mirrors']);
    expect(names(dev({ 'demo-files': true }, true))).toEqual([...EIGHT, 'dr mirrors']);
    // Without a file system there is no EFS replica to encrypt (source-mirrors.ts).
    expect(names(dev({ 'demo-files': true }))).toEqual(EIGHT);
  });

  it('lifeboat estimate charges each key a key-month, whatever plans --plan picks', async () => {
    const estimate = await environmentEstimate({
      environment: findEnvironment(parseLifeboatConfig(JSON.parse(readFileSync(SAMPLE_CONFIG_FILE, 'utf8'))), 'dev'),
      listBackupsOfPlan: async () => [],
      prices: FIXED_PRICES,
      pricesFile: 'fixed',
      plan: 'demo',
      now: new Date('2026-11-30T12:00:00.000Z'),
    });
    expect(estimate.environmentLines).toEqual([
      { item: 'KMS keys (primary: vault, catalog, alarm topic, logs; DR: vault, catalog, alarm topic, logs, mirrors)', quantity: 9, unit: 'key-months', dollars: 9 * FIXED_PRICES.kms.perKeyMonth },
    ]);
  });
});
