/**
 * Entry point for `npx cdk synth` / `cdk deploy` (see cdk.json; run `npm run build` first). The spec
 * file comes from context (`-c spec=path/to/gitlab-aws.yaml`), else gitlab-aws.yaml in the working
 * directory, else the embedded default; `-c hostedZoneId=Z...` lets a requested certificate validate itself.
 */
import { App } from 'aws-cdk-lib';
import { resolvePlan } from '../plan/index.js';
import { loadSpec } from '../spec/index.js';
import { createApp } from './app.js';

// Only to read the CLI's context: this app never synthesizes.
const context = new App({ autoSynth: false }).node;
const specPath = context.tryGetContext('spec') as string | undefined;
const hostedZoneId = context.tryGetContext('hostedZoneId') as string | undefined;
const loaded = loadSpec({ cwd: process.cwd(), ...(specPath ? { path: specPath } : {}) });
// The CDK CLI synthesizes the app when this process exits (CDK_OUTDIR is set).
createApp(resolvePlan(loaded.spec, { origin: loaded.origin }), hostedZoneId ? { hostedZoneId } : {});
