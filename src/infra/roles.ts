/**
 * One EC2 instance role per Plan role, holding only what that role's machines need. Everything
 * starts from Session Manager access and the right to report boot success to CloudFormation; data
 * constructs then grant their own resources (`objectStorage.grantReadWrite(role, ...)`,
 * `secrets.grantRead(role, ...)`), so each permission sits next to the resource it opens.
 */
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { RoleId } from '../catalog/types.js';
import { acknowledge } from './common.js';
import { tierOfRole } from './security.js';

export interface InstanceRolesProps {
  /** The Plan roles that run on EC2 (fixed nodes or auto scaling groups), each of which gets one. */
  readonly roles: ReadonlySet<RoleId>;
  /** The environment's name (the spec's), for descriptions. */
  readonly environmentName: string;
}

export class InstanceRoles extends Construct {
  /** The instance role of every Plan role that runs on EC2 (instances or auto scaling groups). */
  readonly roles: ReadonlyMap<RoleId, iam.Role>;

  constructor(scope: Construct, id: string, props: InstanceRolesProps) {
    super(scope, id);
    const roles = new Map<RoleId, iam.Role>();
    for (const role of props.roles) {
      tierOfRole(role); // every EC2 role must map to a security tier
      const instanceRole = new iam.Role(this, role, {
        assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
        description: `${props.environmentName} ${role} instances`,
        managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
      });
      // The boot script reports success or failure so CloudFormation can roll back a bad boot; the
      // resources that wait for signals are all in this (the compute) stack.
      instanceRole.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['cloudformation:SignalResource'], resources: [Aws.STACK_ID] }),
      );
      acknowledge(instanceRole, [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            'AmazonSSMManagedInstanceCore is the AWS-maintained minimum for Session Manager, the default admin access; a copy would drift from what the SSM agent needs.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore'],
        },
      ]);
      roles.set(role, instanceRole);
    }
    this.roles = roles;
  }

  /** The instance role of a Plan role; throws when the role does not run on EC2. */
  of(role: RoleId): iam.Role {
    const found = this.roles.get(role);
    if (!found) throw new Error(`role ${role} has no instance role`);
    return found;
  }
}
