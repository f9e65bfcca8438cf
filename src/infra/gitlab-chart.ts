/**
 * GitLab's Helm chart on the Cloud Native Hybrid cluster: the IAM roles of its service accounts
 * (IRSA, each on exactly the buckets or secrets its pods use), its values and the manifests applied
 * before it (rendered by config/helm with CloudFormation filling in endpoints and ARNs, kept in SSM
 * parameters), and the install itself.
 *
 * Why the install is a CodeBuild build signalling a wait condition: the API endpoint is private, so
 * Helm must run inside the VPC; CDK's HelmChart resource runs Helm in a Lambda function, which stops
 * after 15 minutes, while a first install waits for GitLab's database migrations and every pod to be
 * ready. A custom resource only starts the build (seconds); the build runs Helm with `--wait` for up
 * to an hour and signals CloudFormation, which waits for that signal beyond the build's own limit.
 * The deploy therefore ends once webservice is ready, or fails with the build's log named in the
 * stack events. The build runs in the cluster's own security group, which already reaches the API
 * endpoint, so it opens no new network path.
 */
import { createHash } from 'node:crypto';
import { CfnWaitCondition, CfnWaitConditionHandle, Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { chartDataEndpointSetting } from '../config/helm/data-endpoints.js';
import {
  CHART_SERVICE_ACCOUNTS,
  type ChartEndpoints,
  type ChartServiceAccount,
  chartSecretIds,
  GITLAB_NAMESPACE,
  renderGitLabValues,
  reviewChartEndpoints,
  secretManifests,
} from '../config/helm/index.js';
import {
  INSTALL_BUILD_TIMEOUT_MINUTES,
  INSTALL_WAIT_SECONDS,
  installBuildSpec,
  installSettings,
} from '../config/helm/install.js';
import {
  type BoundTargetGroupArns,
  reviewTargetGroupArns,
  targetGroupBindingManifests,
} from '../config/helm/target-group-bindings.js';
import { toolboxBackupManifests } from '../config/helm/toolbox-backups.js';
import { CHART_OBJECT_TYPES } from '../plan/chart.js';
import { DATA_SERVICE_CREATION } from '../plan/contracts.js';
import { planDataEndpoints } from '../plan/data-endpoints.js';
import { serviceOf } from '../plan/query.js';
import { stackName } from '../plan/stacks.js';
import type { EksService, ObjectStoragePurpose, Plan } from '../plan/types.js';
import { acknowledge } from './common.js';
import type { ObjectStorage } from './data/object-storage.js';
import type { GitLabSecrets } from './data/secrets.js';
import type { KubernetesCluster } from './eks.js';
import { serviceAccountRole } from './eks-roles.js';

/**
 * SSM parameters holding what the install reads: the chart's values, the manifests before it, the
 * cluster add-ons' releases and the TargetGroupBindings after it.
 */
export function chartParameterName(
  plan: Pick<Plan, 'spec'>,
  part: 'values' | 'manifests' | 'releases' | 'bindings',
): string {
  return `/${plan.spec.name}/gitlab-chart/${part}`;
}

/** Buckets each service account's pods use. */
const CONSOLIDATED: readonly ObjectStoragePurpose[] = Object.values(CHART_OBJECT_TYPES);
export const SERVICE_ACCOUNT_BUCKETS: Readonly<
  Record<Exclude<ChartServiceAccount, 'secrets'>, readonly ObjectStoragePurpose[]>
> = {
  webservice: CONSOLIDATED,
  sidekiq: CONSOLIDATED,
  // `backup-utility` skips the object types and the registry (S3 keeps them, versioned and in AWS
  // Backup: config/helm/toolbox-backups.ts) and writes the backups bucket alone.
  toolbox: ['backups'],
  registry: ['registry'],
};

export interface GitLabChartProps {
  /** The Plan. */
  readonly plan: Plan;
  /** The EKS cluster with its OpenID Connect provider. */
  readonly kubernetes: KubernetesCluster;
  /** The VPC; the install build runs in its private subnets. */
  readonly vpc: ec2.IVpc;
  /** GitLab's buckets. */
  readonly objectStorage: ObjectStorage;
  /** The secrets the chart's Kubernetes Secrets are copied from. */
  readonly secrets: GitLabSecrets;
  /** Endpoints the values name: RDS and ElastiCache. */
  readonly endpoints: Pick<ChartEndpoints, 'databaseHost' | 'redisHosts'>;
  /** Key encrypting the install build's artifacts and logs. */
  readonly encryptionKey: kms.IKey;
  /** ARNs of the edge's target groups the chart's Services are bound to (TargetGroupBinding). */
  readonly boundTargetGroupArns: BoundTargetGroupArns;
}

export class GitLabChart extends Construct {
  /** IAM role of each service account. */
  readonly serviceAccountRoles: ReadonlyMap<ChartServiceAccount, iam.Role>;
  /** The build that runs Helm. */
  readonly installer: codebuild.Project;
  /** Completes when the install build has signalled success. */
  readonly installed: CfnWaitCondition;

  constructor(scope: Construct, id: string, props: GitLabChartProps) {
    super(scope, id);
    const { plan, kubernetes } = props;
    const stack = Stack.of(this);

    const roles = new Map<ChartServiceAccount, iam.Role>();
    for (const [account, serviceAccount] of Object.entries(CHART_SERVICE_ACCOUNTS) as [
      ChartServiceAccount,
      string,
    ][]) {
      roles.set(
        account,
        serviceAccountRole(
          this,
          `${account}Role`,
          kubernetes.openIdConnectProvider,
          kubernetes.cluster.attrOpenIdConnectIssuerUrl,
          { namespace: GITLAB_NAMESPACE, name: serviceAccount },
        ),
      );
    }
    for (const [account, purposes] of Object.entries(SERVICE_ACCOUNT_BUCKETS)) {
      props.objectStorage.grantReadWrite(roles.get(account as ChartServiceAccount)!, purposes);
    }
    for (const secret of chartSecretIds(plan)) props.secrets.grantRead(roles.get('secrets')!, secret);
    this.serviceAccountRoles = roles;

    const endpoints: ChartEndpoints = {
      ...props.endpoints,
      accountId: stack.account,
      serviceAccountRoles: Object.fromEntries(
        [...roles].map(([account, role]) => [account, role.roleArn]),
      ) as ChartEndpoints['serviceAccountRoles'],
    };
    const valuesParameter = new ssm.StringParameter(this, 'Values', {
      parameterName: chartParameterName(plan, 'values'),
      description: 'GitLab Helm chart values (no secrets: passwords are named Kubernetes Secrets)',
      stringValue: stack.toJsonString(renderGitLabValues(plan, endpoints)),
      tier: ssm.ParameterTier.ADVANCED,
    });
    const manifestsParameter = new ssm.StringParameter(this, 'Manifests', {
      parameterName: chartParameterName(plan, 'manifests'),
      description:
        "Manifests applied before the GitLab chart: the External Secrets that copy its secrets, the backup volume's class",
      stringValue: [...secretManifests(plan, endpoints), ...toolboxBackupManifests()]
        .map((manifest) => stringify(manifest))
        .join('---\n'),
      tier: ssm.ParameterTier.ADVANCED,
    });

    // The cluster add-ons (the load balancer controller first), with what only the deploy knows.
    const releases = serviceOf<EksService>(plan, 'eks').addOnReleases.map((release) => ({
      name: release.name,
      namespace: release.namespace,
      repository: release.repository,
      chart: release.chart,
      version: release.version,
      values: kubernetes.releaseValues(release),
    }));
    const releasesParameter = new ssm.StringParameter(this, 'Releases', {
      parameterName: chartParameterName(plan, 'releases'),
      description: 'Helm releases of the cluster add-ons, installed before the GitLab chart (no secrets)',
      stringValue: stack.toJsonString(releases),
      tier: ssm.ParameterTier.ADVANCED,
    });
    const bindingsParameter = new ssm.StringParameter(this, 'Bindings', {
      parameterName: chartParameterName(plan, 'bindings'),
      description: "TargetGroupBindings registering the chart's pods in the edge's target groups",
      stringValue: targetGroupBindingManifests(plan, props.boundTargetGroupArns)
        .map((manifest) => stringify(manifest))
        .join('---\n'),
      tier: ssm.ParameterTier.ADVANCED,
    });

    this.installer = new codebuild.Project(this, 'Installer', {
      description: `Installs GitLab's Helm chart on ${plan.spec.name}'s EKS cluster from inside the VPC`,
      vpc: props.vpc,
      subnetSelection: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [
        ec2.SecurityGroup.fromSecurityGroupId(
          this,
          'ClusterSecurityGroup',
          kubernetes.cluster.attrClusterSecurityGroupId,
          {
            allowAllOutbound: true,
            mutable: false,
          },
        ),
      ],
      environment: {
        buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
        computeType: codebuild.ComputeType.SMALL,
      },
      environmentVariables: Object.fromEntries(
        Object.entries({
          ...installSettings(plan),
          CLUSTER_NAME: kubernetes.cluster.ref,
          VALUES_PARAMETER: valuesParameter.parameterName,
          MANIFESTS_PARAMETER: manifestsParameter.parameterName,
          // By name, so the compute stack imports nothing of the data stack for it.
          RAILS_SECRETS_ID: props.secrets.nameOf('rails-secrets'),
          RELEASES_PARAMETER: releasesParameter.parameterName,
          BINDINGS_PARAMETER: bindingsParameter.parameterName,
          // The data services' endpoints the values leave as placeholders, and their parameters.
          DATA_ENDPOINTS: chartDataEndpointSetting(plan),
          DATA_ENDPOINT_WAIT_SECONDS: String(DATA_SERVICE_CREATION.boundSeconds),
        }).map(([name, value]) => [name, { value }]),
      ),
      buildSpec: codebuild.BuildSpec.fromObject(installBuildSpec()),
      timeout: Duration.minutes(INSTALL_BUILD_TIMEOUT_MINUTES),
      encryptionKey: props.encryptionKey,
    });
    const installerRole = this.installer.role!;
    valuesParameter.grantRead(installerRole);
    manifestsParameter.grantRead(installerRole);
    // Rails' secrets kept outside the cluster, and the backups bucket their copies and archives go to.
    props.secrets.grantKeep(installerRole, 'rails-secrets');
    props.objectStorage.grantReadWrite(installerRole, ['backups']);
    releasesParameter.grantRead(installerRole);
    // By name: the data stack writes them, and this stack imports nothing of it.
    for (const endpoint of planDataEndpoints(plan).filter((entry) => entry.id !== 'praefect-database'))
      ssm.StringParameter.fromStringParameterName(
        this,
        `Endpoint-${endpoint.id}`,
        endpoint.parameterName,
      ).grantRead(installerRole);
    bindingsParameter.grantRead(installerRole);
    installerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['eks:DescribeCluster'], resources: [kubernetes.cluster.attrArn] }),
    );
    // Helm installs cluster-wide objects (the operator's CRDs and webhooks), so the installer is a
    // cluster administrator; nothing else runs as this role.
    const access = new eks.CfnAccessEntry(this, 'InstallerAccess', {
      clusterName: kubernetes.cluster.ref,
      principalArn: installerRole.roleArn,
      type: 'STANDARD',
      accessPolicies: [
        {
          policyArn: `arn:${stack.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
          accessScope: { type: 'cluster' },
        },
      ],
    });

    // A new handle (and so a new install) whenever what the chart is given changes: the digest of the
    // values and manifests as the Plan renders them, and of the install settings.
    const review = reviewChartEndpoints(plan);
    const digest = createHash('sha256')
      .update(
        JSON.stringify([
          renderGitLabValues(plan, review),
          secretManifests(plan, review),
          toolboxBackupManifests(),
          targetGroupBindingManifests(plan, reviewTargetGroupArns(plan, stackName(plan, 'edge'))),
          serviceOf<EksService>(plan, 'eks').addOnReleases,
          installSettings(plan),
          installBuildSpec(),
        ]),
      )
      .digest('hex')
      .slice(0, 12);
    const handle = new CfnWaitConditionHandle(this, `InstallSignal${digest}`);
    const start = new cr.AwsCustomResource(this, `StartInstall${digest}`, {
      installLatestAwsSdk: false,
      onUpdate: {
        service: 'CodeBuild',
        action: 'startBuild',
        parameters: {
          projectName: this.installer.projectName,
          environmentVariablesOverride: [{ name: 'SIGNAL_URL', value: handle.ref, type: 'PLAINTEXT' }],
        },
        physicalResourceId: cr.PhysicalResourceId.of(`gitlab-chart-install-${digest}`),
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['codebuild:StartBuild'],
          resources: [this.installer.projectArn],
        }),
      ]),
    });
    // The nodes must exist to run pods, and the installer must be able to reach the cluster.
    for (const group of kubernetes.nodeGroups.values()) start.node.addDependency(group);
    start.node.addDependency(
      access,
      valuesParameter,
      manifestsParameter,
      releasesParameter,
      bindingsParameter,
      installerRole,
    );
    this.installed = new CfnWaitCondition(this, `Installed${digest}`, {
      handle: handle.ref,
      timeout: String(INSTALL_WAIT_SECONDS),
      count: 1,
    });
    this.installed.node.addDependency(start);

    acknowledge(this.installer, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          "CodeBuild's own policies for a project in a VPC and its logs: network interfaces it creates (ids unknown in advance), the project's log group and report groups by prefix, and its KMS key's data-key and re-encrypt action families (the key named by its alias).",
        appliesTo: [
          'Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*',
          `Resource::arn:<AWS::Partition>:logs:${plan.region}:<AWS::AccountId>:log-group:/aws/codebuild/<${stack.getLogicalId(this.installer.node.defaultChild as codebuild.CfnProject)}>:*`,
          `Resource::arn:<AWS::Partition>:codebuild:${plan.region}:<AWS::AccountId>:report-group/<${stack.getLogicalId(this.installer.node.defaultChild as codebuild.CfnProject)}>-*`,
          'Action::kms:ReEncrypt*',
          'Action::kms:GenerateDataKey*',
          'Resource::*',
          // Its key is the secrets key by alias (key/* with a kms:ResourceAliases condition).
          `Resource::arn:<AWS::Partition>:kms:${plan.region}:<AWS::AccountId>:key/*`,
        ],
      },
    ]);
    // The provider function of CDK's AwsCustomResource, one per stack: it only starts the build.
    const provider = stack.node.tryFindChild(
      `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replaceAll('-', '')}`,
    );
    if (provider) {
      acknowledge(provider, [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            "AWSLambdaBasicExecutionRole only lets CDK's custom resource function write its own logs; its one other permission starts the install build.",
          appliesTo: [
            'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
          ],
        },
      ]);
    }
  }
}
