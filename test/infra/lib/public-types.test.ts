import {
  type BackupWorkflowProps,
  type DrillWorkflow,
  type DrKeyArns,
  type DynamoDbTableSourceOptions,
  type FailoverWorkflow,
  type LifeboatDrill,
  type LifeboatFunction,
  type LifeboatPlan,
  type LifeboatProtection,
  type LifeboatProtectionProps,
  type LifeboatSecurityOptions,
  type LifeboatVaultImmutability,
  type LifeboatVaultProps,
  type PackTiers,
  type ReadBudgetConfig,
  type ReplicaCatalogLocation,
  type WriteBudgetConfig,
} from '../../../lib';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

/**
 * Every type of a public prop or field can be named from the library's entry point (audit R7, finding 6): an app
 * writes `LifeboatSecurityOptions`, not `LifeboatProtectionProps['security']`. This file compiles only when they are
 * exported and are the props' types. jest's esbuild transform drops types unchecked: the check is `npm test`'s type check
 * (`npm run typecheck`: tsc over tsconfig.json, whose files include this one, against lib/'s sources as this file
 * imports them). The first test makes sure that check still covers this file; compiling it again here, a program of
 * lib/ and aws-cdk-lib's declarations, cost about 9 s of CPU and checked nothing that one does not.
 */

/** `true` when A and B are the same type: `Same<A, B> = true` compiles only then. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

describe('the types of public props and fields', () => {
  it("compile: each is exported from lib/index.ts (npm test's type check covers this file)", () => {
    const root = path.join(__dirname, '../../..');
    const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
    if (!config) throw new Error('tsconfig.json could not be read');
    expect(config.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
    expect(config.fileNames.map((file) => path.resolve(file))).toContain(__filename);
    // `npm test` runs test:static, which runs typecheck, which is tsc over that tsconfig.json.
    const { scripts } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string | undefined> };
    expect(scripts.typecheck).toBe('tsc --noEmit -p tsconfig.json');
    expect(scripts['test:static']).toContain('npm run typecheck');
    expect(scripts.test).toContain('npm run test:static');
  });

  it('are exported from lib/index.ts, each the type of the prop or field it names', () => {
    const sameTypes: [
      Same<LifeboatProtectionProps['immutability'], LifeboatVaultImmutability | undefined>,
      Same<LifeboatProtectionProps['security'], LifeboatSecurityOptions | undefined>,
      Same<LifeboatPlan['drill'], LifeboatDrill | undefined>,
      Same<DynamoDbTableSourceOptions['readBudget'], ReadBudgetConfig | undefined>,
      Same<DynamoDbTableSourceOptions['writeBudget'], WriteBudgetConfig | undefined>,
      Same<BackupWorkflowProps['drCatalog'], ReplicaCatalogLocation | undefined>,
      Same<LifeboatVaultProps['packTiers'], readonly PackTiers[] | undefined>,
      Same<LifeboatProtection['drillWorkflow'], DrillWorkflow>,
      Same<LifeboatProtection['failoverWorkflow'], FailoverWorkflow>,
      Same<LifeboatProtection['drKeyArns'], DrKeyArns>,
      Same<LifeboatProtection['backupWorkflow']['functions']['lock'], LifeboatFunction>,
    ] = [true, true, true, true, true, true, true, true, true, true, true];
    expect(sameTypes.every((same) => same)).toBe(true);

    const props: Pick<LifeboatProtectionProps, 'immutability' | 'security'> = {
      immutability: { mode: 'GOVERNANCE', days: 30 } satisfies LifeboatVaultImmutability,
      security: { logRetentionDays: 90 } satisfies LifeboatSecurityOptions,
    };
    const drill: LifeboatDrill = { schedule: 'rate(7 days)', vault: 'primary' };
    const budgets: [ReadBudgetConfig, WriteBudgetConfig] = [{ readUnitsPerSecond: 100 }, { writeUnitsPerSecond: 50 }];
    const drCatalog: ReplicaCatalogLocation = { tableName: 'shop-catalog', region: 'us-west-2', keyArn: 'arn:aws:kms:us-west-2:111111111111:key/k' };
    expect({ props, drill, budgets, drCatalog }).toEqual({
      props: { immutability: { mode: 'GOVERNANCE', days: 30 }, security: { logRetentionDays: 90 } },
      drill: { schedule: 'rate(7 days)', vault: 'primary' },
      budgets: [{ readUnitsPerSecond: 100 }, { writeUnitsPerSecond: 50 }],
      drCatalog: { tableName: 'shop-catalog', region: 'us-west-2', keyArn: 'arn:aws:kms:us-west-2:111111111111:key/k' },
    });
  });
});
