import { App } from 'aws-cdk-lib';
import { ShopStack } from '../lib/shop-stack';

const app = new App();
// The account and region of the CLI's credentials (`cdk synth` sets both); the DR region is the protection's drRegion.
new ShopStack(app, 'Shop', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
