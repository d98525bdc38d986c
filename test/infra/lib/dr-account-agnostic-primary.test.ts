import { type App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InvalidLifeboatPropsError, type LifeboatPlan, LifeboatProtection, type LifeboatProtectionProps, LifeboatSource } from '../../../lib';
import { protectionPhysicalNames } from '../../../lib/constructs/protection-physical-names';
import { templateOnlyApp } from '../../support/template-only-app';

/**
 * Review r6 (stop 49, h1): a drStack of a known account beside an environment-agnostic protection stack, without drAccount.
 * The DR names used to carry the protection stack's account token, `{"Ref":"AWS::AccountId"}`, which each template resolves
 * to its own account: right only when both deploy into one account, else the primary's policies named a bucket that is not
 * there. One rule now (drAccountOf, docs/DEPLOYMENT.md "The DR vault in another account"): the DR side's names carry the
 * DR stack's account in both templates, and a stack of the protection whose account is unknown until deploy gets a rule
 * that refuses a deploy into another one.
 */
const PRIMARY = '111111111111';
const DR = '222222222222';
const DR_REGION = 'us-west-2';

function plan(stack: Stack, prefix: string): LifeboatPlan {
  const source = LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(stack, 'Assets', `${prefix}-assets`));
  return { name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources: [source] };
}

/** A protection in `stack` with its DR side in `drStack`; returns it with the props it got. */
function protect(stack: Stack, prefix: string, drStack: Stack, extra: Partial<LifeboatProtectionProps> = {}) {
  const props: LifeboatProtectionProps = { prefix, drRegion: DR_REGION, drStack, plans: [plan(stack, prefix)], ...extra };
  return { protection: new LifeboatProtection(stack, 'Lifeboat', props), props };
}

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>; Rules?: Record<string, { Assertions: { Assert: unknown }[] }> };

/** The BucketName of every bucket of a template, sorted; a token shows as its rendered JSON. */
function bucketNames(template: Template): string[] {
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::S3::Bucket')
    .map((r) => (typeof r.Properties?.BucketName === 'string' ? r.Properties.BucketName : JSON.stringify(r.Properties?.BucketName)))
    .sort();
}

/** Each rule's assertions but CDK's bootstrap check, by rule: logical ids start with the construct's path. */
function ruleAsserts(template: Template): Record<string, unknown[]> {
  const rules = Object.entries(template.Rules ?? {}).filter(([id]) => id !== 'CheckBootstrapVersion');
  return Object.fromEntries(rules.map(([id, rule]) => [id.replace(/[0-9A-F]{8}$/, ''), rule.Assertions.map((a) => a.Assert)]));
}

describe('a DR stack of a known account beside a protection stack of an unknown one', () => {
  // One synth for both directions: an agnostic protection stack with a DR stack in DR, and a protection stack in PRIMARY
  // with a DR stack whose account is unknown.
  const app: App = templateOnlyApp();
  const shopStack = new Stack(app, 'Shop', { env: { region: 'eu-west-1' } });
  const shopDr = new Stack(app, 'ShopDr', { env: { account: DR, region: DR_REGION } });
  const shop = protect(shopStack, 'shop', shopDr);
  const booksStack = new Stack(app, 'Books', { env: { account: PRIMARY, region: 'eu-west-1' } });
  const booksDr = new Stack(app, 'BooksDr', { env: { region: DR_REGION } });
  const books = protect(booksStack, 'books', booksDr);
  const assembly = app.synth();
  const template = (stack: Stack) => assembly.getStackByName(stack.stackName).template as Template;
  const ACCOUNT_TOKEN = '{"Ref":"AWS::AccountId"}';

  it('names the DR vault and access-log bucket by the DR stack\'s account in both templates, and the primary ones by the stack\'s own', () => {
    expect([shop.protection.names.drVault, shop.protection.names.drAccessLogs]).toEqual([`shop-vault-${DR}-${DR_REGION}`, `shop-access-logs-${DR}-${DR_REGION}`]);
    expect(bucketNames(template(shopDr))).toEqual([`shop-access-logs-${DR}-${DR_REGION}`, `shop-vault-${DR}-${DR_REGION}`]);
    const primary = JSON.stringify(template(shopStack));
    // The primary's roles name the DR vault by that literal (its replicate role writes there), never by its own account.
    expect(primary.includes(`:s3:::shop-vault-${DR}-${DR_REGION}/data/*`)).toBe(true);
    expect(primary.includes(`shop-vault-",${ACCOUNT_TOKEN},"-${DR_REGION}`)).toBe(false);
    expect(bucketNames(template(shopStack))).toEqual([
      JSON.stringify({ 'Fn::Join': ['', ['shop-access-logs-', { Ref: 'AWS::AccountId' }, '-eu-west-1']] }),
      JSON.stringify({ 'Fn::Join': ['', ['shop-vault-', { Ref: 'AWS::AccountId' }, '-eu-west-1']] }),
    ]);
  });

  it('checks the same names for collisions: the DR side\'s in the DR stack\'s account', () => {
    const fixed = protectionPhysicalNames(shop.protection.prefix, shop.protection.environmentName, shopStack, shop.props);
    expect(fixed.filter((n) => n.type === 'S3 bucket' && n.name.includes(DR_REGION)).map((n) => n.name)).toEqual([`shop-vault-${DR}-${DR_REGION}`, `shop-access-logs-${DR}-${DR_REGION}`]);
    expect(new Set(fixed.filter((n) => n.region === DR_REGION).map((n) => n.account))).toEqual(new Set([DR]));
  });

  it('refuses, at deploy before any resource, the agnostic protection stack in another account than the DR stack\'s', () => {
    expect(ruleAsserts(template(shopStack))).toEqual({ LifeboatDrAccountMatches: [{ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, DR] }] });
    const [description] = Object.values(template(shopStack).Rules ?? {}).flatMap((r) => r.Assertions as { AssertDescription?: string }[]).map((a) => a.AssertDescription).filter((d) => d?.includes(DR));
    expect(description).toBe(
      `Lifeboat Shop/Lifeboat: this stack is deployed into another account than ${DR}, its DR stack ShopDr's, whose DR vault lets no other account in: ` +
        `deploy it into ${DR}, or, for a DR vault in another account, give this stack env.account and the protection drAccount: '${DR}' (docs/DEPLOYMENT.md, "The DR vault in another account")`,
    );
    expect(ruleAsserts(template(shopDr))).toEqual({});
  });

  it('refuses, at deploy, a DR stack of unknown account in another account than the protection stack\'s, whose account its names carry', () => {
    expect(bucketNames(template(booksDr))).toEqual([`books-access-logs-${PRIMARY}-${DR_REGION}`, `books-vault-${PRIMARY}-${DR_REGION}`]);
    expect(ruleAsserts(template(booksDr))).toEqual({ LifeboatAccountMatches: [{ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, PRIMARY] }] });
    expect(ruleAsserts(template(booksStack))).toEqual({});
    expect(books.protection.drStack).toBe(booksDr);
  });
});

it('refuses at synth a drStack of unknown account with a drAccount of another account than the protection stack\'s', () => {
  const app = templateOnlyApp();
  const stack = new Stack(app, 'Shop', { env: { account: PRIMARY, region: 'eu-west-1' } });
  const drStack = new Stack(app, 'ShopDr', { env: { region: DR_REGION } });
  let issues: readonly string[] = [];
  try {
    protect(stack, 'shop', drStack, { drAccount: DR });
  } catch (err) {
    if (!(err instanceof InvalidLifeboatPropsError)) throw err;
    issues = err.issues;
  }
  expect(issues).toEqual([
    `drStack: stack ShopDr has no account (environment-agnostic), so it would be deployed into the account of the CLI's credentials, not drAccount: give it env: { account: '${DR}', region: '${DR_REGION}' }`,
  ]);
});
