/**
 * The config layer: gitlab.rb per role and cloud-init user data per node, as pure functions of the
 * Plan and the endpoints infra resolves, plus the SQL that prepares the database.
 */
import type { Plan } from '../plan/types.js';
import { BOOT_SCRIPT, LOCK_SCRIPT } from './boot-script.js';
import {
  renderRunnerFleetUserData,
  renderRunnerManagerConfig,
  renderRunnerManagerUserData,
} from './runner-manager.js';
import type { BootTarget, RenderedConfigFile, RenderUserData, RuntimeEndpoints } from './types.js';
import { renderUserData as renderUserDataImpl, renderUserDataParts } from './user-data.js';

export { BOOT_SCRIPT, DEPLOY_LOCK_KEY, LOCK_SCRIPT } from './boot-script.js';
export { type BootstrapStep, databaseBootstrap, REQUIRED_EXTENSIONS } from './database-bootstrap.js';
export { renderGitaly } from './gitaly.js';
export { renderSingleNode } from './gitlab.js';
export { renderMonitoring, scrapeJobs } from './monitoring.js';
export { praefectDeployNode, renderPraefect } from './praefect.js';
export { renderRails } from './rails.js';
export { gitlabRbFor, renderGitlabRb } from './render.js';
export { renderSidekiq } from './sidekiq.js';
export * from './types.js';
export {
  BOOT_SCRIPT_PATH,
  bootNeeds,
  LOCK_SCRIPT_PATH,
  type NodeConfiguration,
  renderNodeConfiguration,
  renderUserDataParts,
  secretsRead,
  USER_DATA_LIMIT_BYTES,
  type UserDataParts,
} from './user-data.js';

/** The seam's renderer (see types.ts). */
export const renderUserData: RenderUserData = renderUserDataImpl;

/**
 * Every boot target of a Plan: each auto scaling group once (its members share one launch
 * template), then each fixed instance.
 */
export function bootTargets(plan: Plan): BootTarget[] {
  return [
    ...plan.autoScalingGroups.map((group) => ({ kind: 'group' as const, group })),
    ...plan.nodes.filter((node) => !node.autoScalingGroup).map((node) => ({ kind: 'node' as const, node })),
  ];
}

/** `rails`, `sidekiq`, `gitlab` for groups; the node id (`gitaly-2`) for fixed instances. */
export function targetName(target: BootTarget): string {
  return target.kind === 'group' ? target.group.id : target.node.id;
}

/**
 * Every rendered file for review, as `gitlab-aws synth` writes them next to the templates:
 * `config/<target>/gitlab.rb` and `config/<target>/user-data.yaml` per boot target (the group id or
 * the node id), a fixed node's settings file (`boot.env`, kept in a parameter), and the two boot
 * scripts in clear under `config/boot/`.
 */
export function renderAllConfigs(
  plan: Plan,
  endpoints: RuntimeEndpoints | ((target: BootTarget) => RuntimeEndpoints),
): RenderedConfigFile[] {
  const files: RenderedConfigFile[] = [];
  for (const target of bootTargets(plan)) {
    const parts = renderUserDataParts(
      plan,
      target,
      typeof endpoints === 'function' ? endpoints(target) : endpoints,
    );
    const dir = `config/${targetName(target)}`;
    if (parts.gitlabRb !== undefined) files.push({ path: `${dir}/gitlab.rb`, content: parts.gitlabRb });
    files.push({ path: `${dir}/user-data.yaml`, content: parts.document });
    // A fixed node's settings file is in a parameter, not its user data: shown beside it for review.
    if (target.kind === 'node') files.push({ path: `${dir}/boot.env`, content: parts.env });
  }
  if (plan.runners) {
    // The review copy names the cache bucket with the account still to fill in.
    const runtime = { cacheBucketName: plan.runners.cacheBucketName };
    files.push(
      { path: 'config/runner-manager/config.toml', content: renderRunnerManagerConfig(plan, runtime) },
      { path: 'config/runner-manager/user-data.yaml', content: renderRunnerManagerUserData(plan, runtime) },
      { path: 'config/runner-fleet/user-data.yaml', content: renderRunnerFleetUserData(plan) },
    );
  }
  files.push(
    { path: 'config/boot/gitlab-aws-boot.sh', content: BOOT_SCRIPT },
    { path: 'config/boot/gitlab-aws-locked.sh', content: LOCK_SCRIPT },
  );
  return files;
}
