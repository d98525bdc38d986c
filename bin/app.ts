#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_CONFIG_FILE, loadLifeboatConfig } from '../config/load-config';
import { buildLifeboatApp } from '../lib/lifeboat-app';

const app = new App();
const configFile = (app.node.tryGetContext('config') as string | undefined) ?? process.env.LIFEBOAT_CONFIG ?? DEFAULT_CONFIG_FILE;
buildLifeboatApp(app, loadLifeboatConfig(configFile));
// Our app checks itself against AwsSolutions (synth fails on any unacknowledged finding); the constructs never add this.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
