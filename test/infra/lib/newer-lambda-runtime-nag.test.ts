import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LifeboatProtection, LifeboatSource } from '../../../lib';
import { synthesizeApp } from './synth-app';
import { USER_APP_ENV } from './user-app-fixture';

/**
 * Audit a59B F1: cdk-nag's AwsSolutions-L1 flags a function whose runtime is not the newest one the app's aws-cdk-lib
 * knows (lambda.Runtime.ALL). A user's aws-cdk-lib newer than ours (one that knows nodejs26.x) made their synth fail on
 * every Lifeboat function, whose prebuilt bundles target node24. Here the newer runtime is declared as such an
 * aws-cdk-lib declares it (a Runtime joins Runtime.ALL when constructed), and the protection must synth clean under nag.
 */
const NEWER_NODE_RUNTIME = 'nodejs99.x';

it('synthesizes with no AwsSolutions-L1 finding when the app\'s aws-cdk-lib knows a newer Node.js runtime than the bundles target', () => {
  if (!lambda.Runtime.ALL.some((r) => r.name === NEWER_NODE_RUNTIME)) new lambda.Runtime(NEWER_NODE_RUNTIME, lambda.RuntimeFamily.NODEJS);
  const { synthError, violations, built: stack } = synthesizeApp(
    (app) => {
      const shop = new Stack(app, 'Shop', { env: USER_APP_ENV });
      const bucket = new s3.Bucket(shop, 'Assets', { enforceSSL: true, serverAccessLogsBucket: new s3.Bucket(shop, 'AccessLogs', { enforceSSL: true }) });
      new LifeboatProtection(shop, 'Lifeboat', {
        prefix: 'shop',
        drRegion: 'us-west-2',
        plans: [{ name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources: [LifeboatSource.s3Bucket('assets', bucket)] }],
      });
      return shop;
    },
    { nag: true },
  );
  const l1 = (synthError ? violations() : []).filter((v) => v.startsWith('AwsSolutions-L1'));
  expect(l1).toEqual([]);
  // The functions are there and run the runtime the bundles are built for: the acknowledgement is not a runtime change.
  const runtimes = stack.node.findAll().filter((c): c is lambda.CfnFunction => c instanceof lambda.CfnFunction).map((f) => f.runtime);
  expect(runtimes.length).toBeGreaterThan(0);
  expect(new Set(runtimes)).toEqual(new Set(['nodejs24.x']));
});
