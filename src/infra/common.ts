/**
 * Small pieces every infra construct shares: tagging with the Plan's role, node and group (the tag
 * keys are contracts, in src/plan/contracts.ts), the machine image, cdk-nag acknowledgements.
 */
import { Aws, Fn, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IConstruct } from 'constructs';
import type { RoleId } from '../catalog/types.js';
import { GROUP_TAG, NODE_TAG, ROLE_TAG, UBUNTU_IMAGE_PARAMETER } from '../plan/contracts.js';
import type { Arch } from '../plan/types.js';

/** Tags a construct and everything under it with a Plan role (and node, for fixed nodes). */
export function tagNode(scope: IConstruct, role: RoleId, nodeId?: string): void {
  Tags.of(scope).add(ROLE_TAG, role);
  if (nodeId !== undefined) Tags.of(scope).add(NODE_TAG, nodeId);
}

/** Tags an auto scaling group with its Plan role and Plan group id. */
export function tagGroup(scope: IConstruct, role: RoleId, groupId: string): void {
  Tags.of(scope).add(ROLE_TAG, role);
  Tags.of(scope).add(GROUP_TAG, groupId);
}

/** Canonical's public Ubuntu image parameters (named in src/plan/contracts.ts, which `upgrade --image` reads too). */
export { UBUNTU_IMAGE_PARAMETER };

/** The Ubuntu LTS image for an architecture (one SSM-backed template parameter per stack and arch). */
export function ubuntuImage(arch: Arch): ec2.IMachineImage {
  return ec2.MachineImage.fromSsmParameter(UBUNTU_IMAGE_PARAMETER[arch], {
    os: ec2.OperatingSystemType.LINUX,
  });
}

/** The image an environment pinned for an architecture, from its own SSM parameter; resolved by CloudFormation, so synth needs no AWS lookup. */
export function environmentImage(parameterName: string): ec2.IMachineImage {
  return ec2.MachineImage.fromSsmParameter(parameterName, { os: ec2.OperatingSystemType.LINUX });
}

/** The image of each architecture an instance may boot. */
export type MachineImageOf = (arch: Arch) => ec2.IMachineImage;

/** `db.m6i.large` / `cache.r5.large` / `m6i.large` as the EC2 instance type CDK expects. */
export function instanceTypeOf(planClass: string): ec2.InstanceType {
  return new ec2.InstanceType(planClass.replace(/^(db|cache)\./, ''));
}

/** A cdk-nag rule acknowledged on a construct and everything under it, with the reason a reviewer reads. */
export interface Acknowledgement {
  /** Rule id, e.g. AwsSolutions-IAM4. */
  readonly id: string;
  /** Why the finding is acceptable here. */
  readonly reason: string;
  /** Only these findings of the rule (e.g. `Resource::*`); the whole rule when omitted. */
  readonly appliesTo?: readonly string[];
}

/** Acknowledges cdk-nag findings on a construct (CDK's Validations API, which cdk-nag 3 reads). */
export function acknowledge(scope: IConstruct, acknowledgements: readonly Acknowledgement[]): void {
  for (const { id, reason, appliesTo } of acknowledgements) {
    for (const ruleId of appliesTo ? appliesTo.map((finding) => `${id}[${finding}]`) : [id]) {
      Validations.of(scope).acknowledge({ id: ruleId, reason });
    }
  }
}

/**
 * A physical name for a resource that outlives its stack (retained on delete): `<base>-<suffix>`,
 * where the suffix is the last group of the stack id's UUID, new each time CloudFormation creates
 * the stack. A redeploy after `destroy` then creates its own resource beside the retained one
 * instead of failing on a name that is taken, and two environments never share the name.
 */
export function namePerStackCreation(base: string): string {
  const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  return Fn.join('-', [base, Fn.select(4, Fn.split('-', stackUuid))]);
}
