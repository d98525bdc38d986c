#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { DEFAULT_CONFIG_FILE, loadLifeboatConfig } from '../config/load-config';
import { buildLifeboatApp } from '../lib/lifeboat-app';

const app = new App();
const configFile = (app.node.tryGetContext('config') as string | undefined) ?? process.env.LIFEBOAT_CONFIG ?? DEFAULT_CONFIG_FILE;
buildLifeboatApp(app, loadLifeboatConfig(configFile));
app.synth();
