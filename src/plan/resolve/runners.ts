/**
 * The GitLab Runner fleet (spec `runners`): a runner manager on demand, and a group of job
 * instances shaped as GitLab Runner's docker-autoscaler executor and its AWS fleeting plugin
 * require (src/catalog/gitlab-runner.ts cites them): no scaling policy, scale-in protection on,
 * AZRebalance off, and one group for this one runner configuration.
 *
 * Spot: the instances above `onDemandBase` are Spot, allocated `price-capacity-optimized` over
 * several instance types and every AZ, which picks the pools least likely to be reclaimed at a low
 * price. Capacity Rebalancing stays off: the group would launch replacements the plugin never asked
 * for and terminate instances it holds jobs on. A reclaimed instance's job fails as a runner system
 * failure, which GitLab shows on the job (and `retry: when: runner_system_failure` retries); the
 * interruption warning itself is recorded by the fleet's EventBridge rule (src/infra/runners.ts).
 * How often AWS reclaims each type in the region (the Spot Instance Advisor's band, from the
 * catalog) is decided here, once, for the plan check GLA-RUNNER-SPOT-INTERRUPTIONS and for `cost`.
 */
import {
  DEFAULT_RUNNER_INSTANCE_TYPES,
  DEFAULT_RUNNER_MANAGER_INSTANCE_TYPE,
  GITLAB_RUNNER,
} from '../../catalog/gitlab-runner.js';
import { INSTANCE_TYPES } from '../../catalog/instance-types.js';
import { spotInterruptionBand } from '../../catalog/spot-interruption.js';
import type { CpuFamily } from '../../catalog/types.js';
import { SpecError } from '../../spec/errors.js';
import type { Spec } from '../../spec/schema.js';
import { NODE_BOOT } from '../contracts.js';
import type { Arch, RunnerFleetPlan, VolumePlan } from '../types.js';
import { bucketNamePattern } from './object-storage.js';

/** Days a cache object lives: a cache is rebuilt by the next job, so old entries only cost storage. */
export const RUNNER_CACHE_EXPIRE_DAYS = 14;

/**
 * The administrator token deploy creates for root when none is stored: only the two scopes the
 * runner API needs (create_runner for POST /user/runners, manage_runner to list and delete), and
 * the longest lifetime GitLab allows by default, 365 days (doc/user/profile/personal_access_tokens.md,
 * "Create a personal access token" and "Personal access token scopes", skratsch-solutions/gitlabhq
 * @ 3c58b72db710430a9a8e8f20e7456c57a6fbd964).
 */
export const RUNNER_ADMIN_TOKEN_SCOPES = ['create_runner', 'manage_runner'] as const;
export const RUNNER_ADMIN_TOKEN_DAYS = 365;
/** What the administrator token's secret holds until a token is in it: the stack writes it, deploy replaces it. */
export const RUNNER_ADMIN_TOKEN_UNSET = 'unset';

/**
 * The manager's journal in CloudWatch Logs: GitLab Runner's unit (every job it takes, every
 * instance the plugin adds or removes) and cloud-final, where the boot script writes; a month,
 * enough to look back on a failed pipeline.
 */
export const RUNNER_LOG_UNITS = ['gitlab-runner', 'cloud-final'] as const;
export const RUNNER_LOG_RETENTION_DAYS = 30;

/** Root volumes: the manager keeps little; a job instance holds images, build directories and caches. */
const MANAGER_ROOT_GIB = 30;
const FLEET_ROOT_GIB = 100;

const ARCH_OF_CPU: Readonly<Record<CpuFamily, Arch>> = { x86: 'x86_64', graviton: 'arm64' };

function root(sizeGiB: number): VolumePlan {
  return { purpose: 'root', deviceName: '/dev/sda1', sizeGiB, type: 'gp3', retainOnDelete: false };
}

/** An EC2 type of the catalog with the wanted architecture, or a SpecError naming the field. */
function knownType(name: string, arch: Arch, field: string, source: string) {
  const known = INSTANCE_TYPES[name];
  if (known?.service !== 'ec2') {
    const choices = Object.values(INSTANCE_TYPES)
      .filter((type) => type.service === 'ec2' && type.arch === arch && !type.burstable)
      .map((type) => type.name);
    throw new SpecError(source, [
      {
        path: field,
        message: `${name} is not an EC2 instance type gitlab-aws knows (size and price); use one of ${choices.join(', ')}`,
      },
    ]);
  }
  if (known.arch !== arch) {
    throw new SpecError(source, [
      {
        path: field,
        message: `${name} is ${known.arch}, but the runners' cpu makes the fleet ${arch}; pick ${arch} types or change runners.cpu`,
      },
    ]);
  }
  return known;
}

export function planRunners(
  spec: Spec,
  availabilityZones: readonly string[],
  source: string,
): RunnerFleetPlan | undefined {
  const runners = spec.runners;
  if (!runners.enabled) return undefined;
  const cpu = runners.cpu ?? spec.architecture.cpu;
  const arch = ARCH_OF_CPU[cpu];
  const fleetTypes = (runners.instanceTypes ?? DEFAULT_RUNNER_INSTANCE_TYPES[cpu]).map((name, index) =>
    knownType(name, arch, `runners.instanceTypes.${index}`, source),
  );
  const manager = knownType(
    runners.manager.instanceType ?? DEFAULT_RUNNER_MANAGER_INSTANCE_TYPE[cpu],
    arch,
    'runners.manager.instanceType',
    source,
  );
  const supplied = runners.authenticationToken;
  const tokenSecretName =
    supplied && typeof supplied === 'object' ? supplied.secret : `${spec.name}/runner-authentication-token`;
  return {
    runner: {
      version: GITLAB_RUNNER.version,
      packageName: GITLAB_RUNNER.packageName,
      fleetingPlugin: GITLAB_RUNNER.fleetingPlugin,
      source: `${GITLAB_RUNNER.source.repository} ${GITLAB_RUNNER.source.path} @ ${GITLAB_RUNNER.source.commit}`,
    },
    manager: {
      id: 'runner-manager',
      autoScalingGroupName: `${spec.name}-runner-manager`,
      instanceType: manager.name,
      arch,
      vcpu: manager.vcpu,
      memoryGiB: manager.memoryGiB,
      purchase: 'on-demand',
      rootVolume: root(MANAGER_ROOT_GIB),
      availabilityZones,
      tokenWaitSeconds: NODE_BOOT.timeoutSeconds,
      logs: {
        logGroupName: `/gitlab-aws/${spec.name}/runner-manager`,
        retentionDays: RUNNER_LOG_RETENTION_DAYS,
        units: RUNNER_LOG_UNITS,
      },
    },
    fleet: {
      id: 'runner-fleet',
      autoScalingGroupName: `${spec.name}-runner-fleet`,
      interruptionLogGroupPrefix: `/gitlab-aws/${spec.name}/runner-spot-interruptions`,
      arch,
      instanceTypes: fleetTypes.map((type) => {
        const spotInterruption = spotInterruptionBand(spec.region, type.name);
        return {
          instanceType: type.name,
          vcpu: type.vcpu,
          memoryGiB: type.memoryGiB,
          ...(spotInterruption !== undefined ? { spotInterruption } : {}),
        };
      }),
      minCapacity: 0,
      maxCapacity: runners.maxInstances,
      onDemandBaseCapacity: runners.onDemandBase,
      onDemandPercentageAboveBase: runners.spot ? 0 : 100,
      spotAllocationStrategy: 'price-capacity-optimized',
      capacityRebalance: false,
      newInstancesProtectedFromScaleIn: true,
      suspendedProcesses: ['AZRebalance'],
      availabilityZones,
      rootVolume: root(FLEET_ROOT_GIB),
    },
    concurrent: runners.maxInstances * runners.concurrentPerInstance,
    capacityPerInstance: runners.concurrentPerInstance,
    // One job per instance gets a fresh instance per job (docker_autoscaler.md's isolation example);
    // an instance shared by several jobs is retired after as many jobs as it runs at once.
    maxUseCount: runners.concurrentPerInstance,
    idleCount: runners.idleCount,
    idleMinutes: runners.idleMinutes,
    tags: runners.tags,
    runUntagged: runners.tags.length === 0,
    description: `${spec.name} docker-autoscaler on ${cpu === 'graviton' ? 'Graviton' : 'x86'} ${runners.spot ? 'Spot' : 'on-demand'}`,
    cacheBucketName: bucketNamePattern(spec, 'runner-cache'),
    cacheExpireAfterDays: RUNNER_CACHE_EXPIRE_DAYS,
    tokenSecretName,
    registration:
      supplied && typeof supplied === 'object'
        ? { kind: 'supplied', userSecret: supplied.secret }
        : {
            kind: 'api',
            adminTokenSecretName: `${spec.name}/runner-admin-token`,
            adminToken: {
              name: `gitlab-aws ${spec.name} runners`,
              scopes: RUNNER_ADMIN_TOKEN_SCOPES,
              expiresInDays: RUNNER_ADMIN_TOKEN_DAYS,
            },
          },
  };
}
