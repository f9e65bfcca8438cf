/**
 * One EC2 instance role per Plan role, holding only what that role's machines need. Everything
 * starts from Session Manager access and the right to report boot success to CloudFormation; data
 * constructs then grant their own resources (`objectStorage.grantReadWrite(role, ...)`,
 * `secrets.grantRead(role, ...)`), so each permission sits next to the resource it opens.
 *
 * Some nodes get a role of their own instead (Gitaly): a Gitaly node stops the instance that held
 * its data volume before it, and IAM cannot tell which node a shared role's caller is. With one role
 * per node, tagged with the node id, a node's policy names its own volume and its own node tag, so
 * one Gitaly can never stop another or take its volume.
 */
import { Aws, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { RoleId } from '../catalog/types.js';
import { NODE_TAG } from '../plan/contracts.js';
import type { PlanNode } from '../plan/types.js';
import { acknowledge } from './common.js';
import { tierOfRole } from './security.js';

export interface InstanceRolesProps {
  /** The Plan roles that run on EC2 (fixed nodes or auto scaling groups), each of which gets one. */
  readonly roles: ReadonlySet<RoleId>;
  /** Nodes whose role is their own rather than their Plan role's shared one. */
  readonly nodesWithOwnRole?: readonly PlanNode[];
  /** The environment's name (the spec's), for descriptions. */
  readonly environmentName: string;
}

export class InstanceRoles extends Construct {
  /** The shared instance role of every Plan role that runs on EC2 and has no role per node. */
  readonly roles: ReadonlyMap<RoleId, iam.Role>;
  /** The role of each node that has its own, by node id. */
  readonly nodeRoles: ReadonlyMap<string, iam.Role>;
  private readonly nodesWithOwnRole: readonly PlanNode[];

  constructor(scope: Construct, id: string, props: InstanceRolesProps) {
    super(scope, id);
    this.nodesWithOwnRole = props.nodesWithOwnRole ?? [];
    const ownRoleRoles = new Set(this.nodesWithOwnRole.map((node) => node.role));
    const roles = new Map<RoleId, iam.Role>();
    for (const role of props.roles) {
      tierOfRole(role); // every EC2 role must map to a security tier
      if (!ownRoleRoles.has(role)) {
        roles.set(role, instanceRole(this, role, `${props.environmentName} ${role} instances`));
      }
    }
    const nodeRoles = new Map<string, iam.Role>();
    for (const node of this.nodesWithOwnRole) {
      const role = instanceRole(this, node.id, `${props.environmentName} ${node.role} instances: ${node.id}`);
      // The node's own tag: what the role's conditions compare resources with.
      Tags.of(role).add(NODE_TAG, node.id);
      nodeRoles.set(node.id, role);
    }
    this.roles = roles;
    this.nodeRoles = nodeRoles;
  }

  /** The shared instance role of a Plan role; throws when the role does not run on EC2 or has one per node. */
  of(role: RoleId): iam.Role {
    const found = this.roles.get(role);
    if (!found) throw new Error(`role ${role} has no shared instance role`);
    return found;
  }

  /** The instance role a node runs with: its own, or its Plan role's. */
  ofNode(node: PlanNode): iam.Role {
    return this.nodeRoles.get(node.id) ?? this.of(node.role);
  }

  /** Every instance role of a Plan role: the shared one, or one per node. */
  allOf(role: RoleId): iam.Role[] {
    const shared = this.roles.get(role);
    if (shared) return [shared];
    return this.nodesWithOwnRole
      .filter((node) => node.role === role)
      .map((node) => this.nodeRoles.get(node.id)!);
  }

  /** Every instance role with the Plan role it serves. */
  all(): [RoleId, iam.Role][] {
    return [
      ...this.roles,
      ...this.nodesWithOwnRole.map((node): [RoleId, iam.Role] => [node.role, this.nodeRoles.get(node.id)!]),
    ];
  }
}

function instanceRole(scope: Construct, id: string, description: string): iam.Role {
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    description,
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
  });
  // The boot script reports success or failure so CloudFormation can roll back a bad boot; the
  // resources that wait for signals are all in this (the compute) stack.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['cloudformation:SignalResource'], resources: [Aws.STACK_ID] }),
  );
  acknowledge(role, [
    {
      id: 'AwsSolutions-IAM4',
      reason:
        'AmazonSSMManagedInstanceCore is the AWS-maintained minimum for Session Manager, the default admin access; a copy would drift from what the SSM agent needs.',
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore'],
    },
  ]);
  return role;
}
