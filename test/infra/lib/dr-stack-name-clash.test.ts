import { type App, Stack, Stage } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InvalidLifeboatPropsError, type LifeboatPlan, LifeboatProtection, LifeboatSource } from '../../../lib';
import { templateOnlyApp } from '../../support/template-only-app';

/**
 * Audit R35, F1: CDK allows one stackName in several environments (a stack per region), but the default DR stack is named
 * `<stackName>-LifeboatDR` in drRegion, so two such stacks with one drRegion got two DR stacks of one name in one account and
 * region, and the second deploy took the first one's DR vault, catalog and runbooks over. Synth refuses it, and a DR stack
 * whose name another stack of the app has; existing DR stacks keep their names.
 */
const ACCOUNT = '111111111111';

function plan(stack: Stack): LifeboatPlan {
  const source = LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(stack, 'Assets', `${stack.node.id.toLowerCase()}-assets`));
  return { name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources: [source] };
}

function shopStack(app: App, id: string, region: string, account = ACCOUNT): Stack {
  return new Stack(app, id, { env: { account, region }, stackName: 'Shop' });
}

const protect = (stack: Stack, prefix: string) => new LifeboatProtection(stack, 'Lifeboat', { prefix, drRegion: 'us-west-2', plans: [plan(stack)] });

function refusal(build: () => void): InvalidLifeboatPropsError {
  try {
    build();
  } catch (err) {
    if (err instanceof InvalidLifeboatPropsError) return err;
    throw err;
  }
  throw new Error('no InvalidLifeboatPropsError');
}

it('refuses a second stack of one stackName whose default DR stack would take the first one\'s name, account and region, naming both stacks and what to do', () => {
  const app = templateOnlyApp();
  const first = protect(shopStack(app, 'ShopUsEast1', 'us-east-1'), 'shop-use1');
  expect(first.drStack.stackName).toBe('Shop-LifeboatDR');
  const err = refusal(() => protect(shopStack(app, 'ShopEuWest1', 'eu-west-1'), 'shop-euw1'));
  expect(err.construct).toBe('LifeboatProtection ShopEuWest1/Lifeboat');
  expect(err.issues).toEqual([
    'drStack: the DR stack would be named Shop-LifeboatDR in 111111111111/us-west-2, which stack ShopUsEast1-LifeboatDR, the DR stack of ShopUsEast1 ' +
      '(stacks ShopEuWest1 and ShopUsEast1 share the stackName Shop), already has there: CloudFormation knows a stack by its name in an account and region, ' +
      'so deploying one would update the other and take its DR vault, catalog and runbooks over; give the stacks different stackNames, or pass drStack',
  ]);
  // The first one's DR stack is left as it was: no stack is renamed.
  expect(app.node.findAll().filter((c): c is Stack => c instanceof Stack).map((s) => s.stackName)).toEqual(['Shop', 'Shop-LifeboatDR', 'Shop']);
});

it('refuses a default DR stack whose name, account and region a stack of the user\'s app has already', () => {
  const app = templateOnlyApp();
  new Stack(app, 'Reports', { env: { account: ACCOUNT, region: 'us-west-2' }, stackName: 'Shop-LifeboatDR' });
  const err = refusal(() => protect(shopStack(app, 'ShopUsEast1', 'us-east-1'), 'shop-use1'));
  expect(err.issues).toEqual([expect.stringMatching(/^drStack: the DR stack would be named Shop-LifeboatDR in 111111111111\/us-west-2, which stack Reports, another stack of the app, already has there: .*; give the stacks different stackNames, or pass drStack$/)]);
});

it('refuses at synth a stack of that name made after the protection, which could not see it', () => {
  const app = templateOnlyApp();
  protect(shopStack(app, 'ShopUsEast1', 'us-east-1'), 'shop-use1');
  new Stack(app, 'Reports', { env: { account: ACCOUNT, region: 'us-west-2' }, stackName: 'Shop-LifeboatDR' });
  expect(() => app.synth()).toThrow(/Lifeboat DR stack of ShopUsEast1: drStack: the DR stack would be named Shop-LifeboatDR in 111111111111\/us-west-2, which stack Reports, another stack of the app, already has there/);
});

it('accepts one stackName in two accounts, and in two regions whose DR stacks are passed as drStack', () => {
  const app = templateOnlyApp();
  expect(protect(shopStack(app, 'ShopA', 'us-east-1'), 'shop-a').drStack.stackName).toBe('Shop-LifeboatDR');
  expect(protect(shopStack(app, 'ShopB', 'eu-west-1', '222222222222'), 'shop-b').drStack.stackName).toBe('Shop-LifeboatDR');
  const drStack = new Stack(app, 'ShopEuDr', { env: { account: ACCOUNT, region: 'us-west-2' }, stackName: 'Shop-Eu-LifeboatDR' });
  const stack = shopStack(app, 'ShopC', 'eu-west-1');
  expect(new LifeboatProtection(stack, 'Lifeboat', { prefix: 'shop-c', drRegion: 'us-west-2', drStack, plans: [plan(stack)] }).drStack).toBe(drStack);
});

describe('stacks of separate Stages (review 43e F1)', () => {
  const staged = (app: App, stage: string, env?: { account: string; region: string }) => new Stack(new Stage(app, stage), 'Shop', { stackName: 'shop', ...(env ? { env } : {}) });
  const protectStaged = (stack: Stack, prefix: string) => new LifeboatProtection(stack, 'Lifeboat', { prefix, drRegion: 'us-west-2', plans: [plan(stack)] });

  it('accepts Beta and Prod stages of environment-agnostic stacks of one stackName: each Stage deploys on its own, into an account it names then', () => {
    const app = templateOnlyApp();
    const beta = protectStaged(staged(app, 'Beta'), 'shop-beta');
    const prod = protectStaged(staged(app, 'Prod'), 'shop-prod');
    expect([beta.drStack.stackName, prod.drStack.stackName]).toEqual(['shop-LifeboatDR', 'shop-LifeboatDR']);
    expect(() => app.synth()).not.toThrow();
  });

  it('still refuses two Stages pinned to one account whose DR stacks would share a name and region', () => {
    const app = templateOnlyApp();
    protectStaged(staged(app, 'Beta', { account: ACCOUNT, region: 'us-east-1' }), 'shop-beta');
    const err = refusal(() => protectStaged(staged(app, 'Prod', { account: ACCOUNT, region: 'eu-west-1' }), 'shop-prod'));
    expect(err.issues).toEqual([expect.stringMatching(/^drStack: the DR stack would be named shop-LifeboatDR in 111111111111\/us-west-2, which stack Beta\/Shop-LifeboatDR/)]);
  });
});
