/** Secrets Manager secrets and the roles that read each. */
import type { RoleId } from '../../catalog/types.js';
import type { Spec } from '../../spec/schema.js';
import type { SecretId, SecretPlan } from '../types.js';
import { RAILS_CODE_ROLES } from './context.js';

const SECRET_DESCRIPTIONS: Record<Exclude<SecretId, `user-${number}` | 'smtp-credentials'>, string> = {
  'root-password': 'Initial password of the GitLab root user',
  'gitlab-secrets-json': 'gitlab-secrets.json shared by every Rails and Sidekiq node',
  'ssh-host-keys': 'SSH host keys shared by every Rails node behind the load balancer',
  'database-password': 'Password of the gitlab database user on RDS',
  'praefect-database-password': "Password of the praefect user, master of Praefect's RDS instance",
  'redis-auth-token': 'ElastiCache AUTH token',
  'gitaly-token': 'Token clients present to Gitaly',
  'praefect-external-token': 'Token Rails presents to Praefect',
  'praefect-internal-token': 'Token Praefect nodes present to each other',
};

/** The secrets of a Plan whose nodes and services run `roles`. */
export function planSecrets(
  spec: Spec,
  gitalyMode: 'single' | 'cluster',
  roles: ReadonlySet<RoleId>,
  singleNode = false,
): SecretPlan[] {
  const present = (candidates: readonly RoleId[]) => candidates.filter((role) => roles.has(role));
  const rails = present(RAILS_CODE_ROLES);
  const web = present(['gitlab', 'rails', 'webservice-pool']);
  const secret = (
    id: keyof typeof SECRET_DESCRIPTIONS,
    readers: readonly RoleId[],
    generatedBy: SecretPlan['generatedBy'] = 'secrets-manager',
  ): SecretPlan => ({
    id,
    name: `${spec.name}/${id}`,
    description: SECRET_DESCRIPTIONS[id],
    readers,
    generatedBy,
    retainOnDelete: true,
  });
  // The 1k node: its PostgreSQL, Redis and Gitaly are bundled and reached on the node itself, so no
  // passwords or tokens cross the network. gitlab-secrets.json and the SSH host keys still go to
  // Secrets Manager: /etc lives on the root volume, which a replaced instance does not keep.
  if (singleNode) {
    return [
      secret('root-password', web),
      secret('gitlab-secrets-json', rails, 'first-boot'),
      secret('ssh-host-keys', web, 'first-boot'),
    ];
  }
  const secrets = [
    secret('root-password', web),
    // Gitaly calls GitLab's internal API back (hooks on push), authenticated by the shared secret file.
    secret('gitlab-secrets-json', [...rails, ...present(['gitaly'])], 'first-boot'),
    secret('ssh-host-keys', web, 'first-boot'),
    secret('database-password', rails),
    secret('redis-auth-token', rails),
  ];
  if (gitalyMode === 'cluster') {
    secrets.push(
      // The master user of Praefect's own RDS instance: only Praefect connects to it.
      secret('praefect-database-password', ['praefect']),
      secret('gitaly-token', ['gitaly', 'praefect']),
      secret('praefect-external-token', [...rails, 'praefect']),
    );
  } else {
    secrets.push(secret('gitaly-token', [...rails, 'gitaly']));
  }
  return secrets;
}
