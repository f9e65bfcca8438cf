/**
 * The network stack: VPC, private DNS zone and the security groups every other stack references,
 * and what CloudFormation reads when it starts the compute stack (the pinned image and GitLab
 * version parameters, the keys instances launch with). It deploys first and `destroy` keeps it, so
 * compute never waits for the data stack's databases and a recreated compute finds the same values.
 */

import { Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { gitlabVersionParameterName, machineImageParameterName } from '../../plan/contracts.js';
import { PRIVATE_ZONE_NEGATIVE_TTL_SECONDS } from '../../plan/data-endpoints.js';
import { serviceOf } from '../../plan/query.js';
import type { Arch, S3Service } from '../../plan/types.js';
import { UBUNTU_IMAGE_PARAMETER } from '../common.js';
import { AccessLogBucket } from '../data/object-storage.js';
import { GitLabNetwork } from '../network.js';
import { removalPolicies } from '../removal-policy.js';
import { ComputeKeys, SecurityGroups, securityGroupsPropsOf } from '../security.js';
import type { GitLabStackProps } from './gitlab-stack.js';

/** The network stack needs nothing from the others. */
export type NetworkStackProps = GitLabStackProps;

export class NetworkStack extends Stack {
  /** VPC, subnets and private zone. */
  readonly network: GitLabNetwork;
  /** One security group per tier. */
  readonly securityGroups: SecurityGroups;
  /**
   * S3 server and load balancer access logs. Here rather than with the data: the edge stack's load
   * balancer logs to it, and edge must not wait for the data stack's databases to be created.
   */
  readonly accessLogs: AccessLogBucket;
  /** The keys instances and the EKS cluster launch with. */
  readonly computeKeys: ComputeKeys;
  /** The GitLab version new instances install (`gitlab-aws upgrade` moves it). */
  readonly gitlabVersion: ssm.StringParameter;
  /** The Ubuntu image each architecture's instances boot, pinned per environment. */
  readonly machineImages: ReadonlyMap<Arch, ssm.StringParameter>;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { plan } = props;
    this.network = new GitLabNetwork(this, 'Network', {
      network: plan.network,
      availabilityZones: plan.availabilityZones,
      privateDnsZone: plan.privateDnsZone,
      negativeCacheSeconds: PRIVATE_ZONE_NEGATIVE_TTL_SECONDS,
      removalPolicyOf: removalPolicies(plan.statefulResources),
    });
    this.accessLogs = new AccessLogBucket(this, 'ObjectStorage', {
      service: serviceOf<S3Service>(plan, 's3'),
      removalPolicyOf: removalPolicies(plan.statefulResources),
    });
    this.securityGroups = new SecurityGroups(
      this,
      'SecurityGroups',
      securityGroupsPropsOf(plan, this.network.vpc),
    );
    const environmentName = plan.spec.name;
    this.computeKeys = new ComputeKeys(this, 'ComputeKeys', {
      environmentName,
      kubernetes: plan.services.some((service) => service.kind === 'eks'),
      removalPolicyOf: removalPolicies(plan.statefulResources),
    });

    // The GitLab version every new instance installs. It is the version the database schema is
    // migrated to, so it outlives compute (`destroy` keeps this stack as it keeps the data; a
    // compute stack recreated later must not bring back an older version), and it exists before
    // any instance boots. The template holds the spec's version: CloudFormation writes the value
    // only when the template's value changes, so after `gitlab-aws upgrade` has written a newer one,
    // deploys with an unchanged spec leave it alone; setting the spec's gitlab.version to the
    // upgraded version makes the next change a no-op.
    this.gitlabVersion = new ssm.StringParameter(this, 'GitLabVersion', {
      parameterName: gitlabVersionParameterName(plan),
      stringValue: plan.gitlab.version,
      description: `${environmentName}: GitLab version new instances install; gitlab-aws upgrade sets it`,
    });

    // The Ubuntu image of each architecture the Plan uses, pinned like the version. CloudFormation
    // resolves the compute stack's image parameters when that stack starts, so they must exist by
    // then. The template value is a dynamic reference to Canonical's "current" parameter, which
    // CloudFormation resolves when it creates the parameter; the template text never changes
    // afterwards, so later deploys leave the pinned id alone. Instances read this parameter, so
    // their image changes only when it is written on purpose (then roll the fixed nodes one by one,
    // as `upgrade` rolls versions).
    const arches = new Set<Arch>([...plan.nodes, ...plan.autoScalingGroups].map((machines) => machines.arch));
    this.machineImages = new Map(
      [...arches].sort().map((arch) => [
        arch,
        new ssm.StringParameter(this, `UbuntuImage-${arch}`, {
          parameterName: machineImageParameterName(plan, arch),
          stringValue: `{{resolve:ssm:${UBUNTU_IMAGE_PARAMETER[arch]}}}`,
          dataType: ssm.ParameterDataType.AWS_EC2_IMAGE,
          description: `${environmentName}: Ubuntu image ${arch} instances boot; pinned at creation, changed only on purpose`,
        }),
      ]),
    );
  }
}
