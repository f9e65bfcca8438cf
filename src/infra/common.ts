/**
 * Small pieces every infra construct shares: the tags that tie resources to an environment, node
 * and role (IAM conditions and the boot scripts rely on them), and the machine image.
 */
import { Stack, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IConstruct } from 'constructs';
import type { RoleId } from '../catalog/types.js';
import type { Arch, Plan } from '../plan/types.js';

/*
 * The tags are a contract: IAM conditions, the boot scripts, Prometheus service discovery and the
 * lifecycle commands (which find instances and groups by tag, never by stored id) all read them.
 * The config layer's INSTANCE_TAGS repeats the three boot scripts read (config cannot import infra);
 * a config test holds the two equal.
 */
/** Tag naming the environment (the spec's name) on every resource. */
export const ENVIRONMENT_TAG = 'gitlab-aws:environment';
/** Tag naming the Plan role of an instance, volume or auto scaling group. */
export const ROLE_TAG = 'gitlab-aws:role';
/** Tag naming the Plan node (e.g. gitaly-2) of a fixed instance and its data volume. */
export const NODE_TAG = 'gitlab-aws:node';
/** Tag naming the Plan auto scaling group id (e.g. rails) of an auto scaling group. */
export const GROUP_TAG = 'gitlab-aws:group';

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

/**
 * Canonical publishes the current Ubuntu 24.04 LTS image id in a public SSM parameter per CPU
 * architecture; CloudFormation resolves it at deploy time, so synth needs no AWS lookup.
 */
export const UBUNTU_IMAGE_PARAMETER: Readonly<Record<Arch, string>> = {
  x86_64: '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id',
  arm64: '/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id',
};

/** The Ubuntu LTS image for an architecture (one SSM-backed template parameter per stack and arch). */
export function ubuntuImage(arch: Arch): ec2.IMachineImage {
  return ec2.MachineImage.fromSsmParameter(UBUNTU_IMAGE_PARAMETER[arch], {
    os: ec2.OperatingSystemType.LINUX,
  });
}

/** `db.m6i.large` / `cache.r5.large` / `m6i.large` as the EC2 instance type CDK expects. */
export function instanceTypeOf(planClass: string): ec2.InstanceType {
  return new ec2.InstanceType(planClass.replace(/^(db|cache)\./, ''));
}

/**
 * SSM parameter holding the GitLab version new instances install: created by the data stack, read
 * by the boot scripts, written by `gitlab-aws upgrade`.
 */
export function gitlabVersionParameterName(plan: Plan): string {
  return `/${plan.spec.name}/gitlab-version`;
}

/** Short, stable resource name prefix for names AWS limits in length. */
export function resourceName(plan: Plan, suffix: string): string {
  return `${plan.spec.name}-${suffix}`;
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

/** ARN of an EBS volume (ec2.Volume has no ARN attribute). */
export function volumeArn(volume: ec2.IVolume): string {
  return Stack.of(volume).formatArn({ service: 'ec2', resource: 'volume', resourceName: volume.volumeId });
}
