/**
 * A CDK app holding one GitLab environment, ready to synthesize: what `gitlab-aws synth`, the
 * cdk.json entry and the tests all build.
 */
import { App, type AppProps } from 'aws-cdk-lib';
import { renderUserData as configRenderUserData } from '../config/index.js';
import type { RenderUserData } from '../config/types.js';
import type { Plan } from '../plan/types.js';
import { GitLabEnvironment } from './environment.js';

export interface CreateAppOptions {
  /** Directory the cloud assembly is written to (CDK's default: $CDK_OUTDIR or a temporary directory). */
  readonly outdir?: string;
  /**
   * Boot script renderer; the config layer's by default. `null` builds the environment with no
   * user data at all.
   */
  readonly renderUserData?: RenderUserData | null;
  /** Public hosted zone id for DNS validation of a requested certificate. */
  readonly hostedZoneId?: string;
  /** AWS account to deploy to; account-agnostic when omitted. */
  readonly account?: string;
  /** Extra CDK context (feature flags, `@aws-cdk/core:strictCfnValidateErrors`...). */
  readonly context?: Record<string, unknown>;
  /** CDK policy validation plugins (e.g. CfnGuardValidator). */
  readonly policyValidationBeta1?: AppProps['policyValidationBeta1'];
}

/** Construct id of the environment in the app; stack artifact ids start with it. */
export const ENVIRONMENT_ID = 'GitLab';

/** An app with the Plan's environment in it (find the environment again with `environmentOf`). */
export function createApp(plan: Plan, options: CreateAppOptions = {}): App {
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    ...(options.policyValidationBeta1 ? { policyValidationBeta1: options.policyValidationBeta1 } : {}),
    context: {
      // Templates that CloudFormation would reject fail at synth instead of at deploy.
      '@aws-cdk/core:strictCfnValidateErrors': true,
      ...options.context,
    },
  });
  const renderUserData =
    options.renderUserData === null ? undefined : (options.renderUserData ?? configRenderUserData);
  new GitLabEnvironment(app, ENVIRONMENT_ID, {
    plan,
    ...(renderUserData ? { renderUserData } : {}),
    ...(options.hostedZoneId ? { hostedZoneId: options.hostedZoneId } : {}),
    ...(options.account ? { account: options.account } : {}),
  });
  return app;
}

/** The environment createApp put in an app. */
export function environmentOf(app: App): GitLabEnvironment {
  const environment = app.node.tryFindChild(ENVIRONMENT_ID);
  if (!(environment instanceof GitLabEnvironment)) throw new Error('this app has no GitLab environment');
  return environment;
}
