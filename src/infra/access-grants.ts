/**
 * What each instance role may read and write, as the Plan says its GitLab role uses it: the secrets
 * that name the role as a reader (and, for the nodes that run migrations, write the secrets the first
 * node generates), the buckets that name it, the Gitaly data volumes, and the GitLab version
 * parameter every node that installs the package reads at boot.
 */
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { RoleId } from '../catalog/types.js';
import type { DataEndpointPlan } from '../plan/data-endpoints.js';
import type {
  AutoScalingGroupPlan,
  BucketPlan,
  ObjectStoragePurpose,
  PlanNode,
  SecretPlan,
} from '../plan/types.js';
import type { ObjectStorage } from './data/object-storage.js';
import type { GitLabSecrets } from './data/secrets.js';
import type { GitalyVolumes } from './gitaly/gitaly.js';
import type { InstanceRoles } from './roles.js';

export interface AccessGrantsProps {
  /** The roles granted to, one per GitLab role with instances. */
  readonly instanceRoles: InstanceRoles;
  /** The Plan's secrets, each naming its readers. */
  readonly secretPlans: readonly SecretPlan[];
  /** The Plan's buckets, each naming the roles that use it. */
  readonly buckets: readonly BucketPlan[];
  /** The Plan's auto scaling groups, whose `runsDatabaseMigrations` says who writes first-boot secrets. */
  readonly autoScalingGroups: readonly AutoScalingGroupPlan[];
  /** The 1k node, which writes the first-boot secrets its first reconfigure generates. */
  readonly singleNodes?: readonly PlanNode[];
  /** Name of the GitLab version parameter (the Plan's contract with `upgrade`). */
  readonly versionParameterName: string;
  /** The data services' endpoint parameters, each read at boot by the roles it lists. */
  readonly dataEndpoints: readonly DataEndpointPlan[];
  /** The secrets. */
  readonly secrets: GitLabSecrets;
  /** GitLab's buckets. */
  readonly objectStorage: ObjectStorage;
  /** The data volumes of the Gitaly nodes and the 1k node. */
  readonly gitalyVolumes: GitalyVolumes;
  /** The Plan's nodes with a data volume (Gitaly, the 1k node): each may attach its own volume only. */
  readonly gitalyNodes: readonly PlanNode[];
}

/** EC2 roles whose nodes install the GitLab Linux package (bastions do not). */
const INSTALLS_GITLAB: ReadonlySet<RoleId> = new Set<RoleId>([
  'gitlab',
  'rails',
  'sidekiq',
  'gitaly',
  'praefect',
  'monitoring',
  'backup',
]);

/**
 * Grants every instance role the secrets, buckets and volumes the Plan says its role uses. Added to
 * `scope` (the compute stack) rather than to a construct of its own, so the logical ids stay as
 * they were when the stack granted them itself.
 */
export function grantPlanAccess(scope: Construct, props: AccessGrantsProps): void {
  const { instanceRoles, secrets, objectStorage, gitalyVolumes } = props;
  // Every IAM role of a GitLab role (Gitaly has one per node); none for Kubernetes pools, which read
  // secrets through the cluster.
  const rolesOf = (role: RoleId) => instanceRoles.allOf(role);
  const migrators = new Set([
    ...props.autoScalingGroups.filter((group) => group.runsDatabaseMigrations).map((group) => group.role),
    ...(props.singleNodes ?? []).map((node) => node.role),
  ]);
  for (const secret of props.secretPlans) {
    for (const reader of secret.readers) {
      for (const role of rolesOf(reader)) {
        secrets.grantRead(role, secret.id);
        // The first node that may migrate generates gitlab-secrets.json and the SSH host keys and
        // stores them, once (grantWrite closes the secret after that write).
        if (secret.generatedBy === 'first-boot' && migrators.has(reader)) secrets.grantWrite(role, secret.id);
      }
    }
  }
  const purposesByRole = new Map<RoleId, ObjectStoragePurpose[]>();
  for (const bucket of props.buckets) {
    for (const role of bucket.accessRoles) {
      purposesByRole.set(role, [...(purposesByRole.get(role) ?? []), bucket.purpose]);
    }
  }
  for (const [roleId, purposes] of purposesByRole) {
    for (const role of rolesOf(roleId)) objectStorage.grantReadWrite(role, purposes);
  }
  for (const node of props.gitalyNodes) gitalyVolumes.grantAttach(node.id, instanceRoles.ofNode(node));
  // Every node that installs the GitLab package reads the version at boot. By name, not by the
  // data stack's parameter: the name comes from the Plan, so compute imports nothing for it.
  const versionParameter = ssm.StringParameter.fromStringParameterName(
    scope,
    'GitLabVersionParameter',
    props.versionParameterName,
  );
  for (const [roleId, role] of instanceRoles.all()) {
    if (INSTALLS_GITLAB.has(roleId)) versionParameter.grantRead(role);
  }
  // Each data service's endpoint, to the roles whose boot waits for it (its credentials' readers),
  // by name for the same reason.
  for (const endpoint of props.dataEndpoints) {
    const parameter = ssm.StringParameter.fromStringParameterName(
      scope,
      `DataEndpointParameter-${endpoint.id}`,
      endpoint.parameterName,
    );
    for (const reader of endpoint.readers) {
      for (const role of rolesOf(reader)) parameter.grantRead(role);
    }
  }
}
