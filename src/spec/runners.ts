/**
 * The spec's `runners` section: an optional GitLab Runner fleet, one on-demand runner manager that
 * scales an auto scaling group of job instances (Spot by default) through GitLab Runner's
 * docker-autoscaler executor and the AWS fleeting plugin.
 *
 * Only what is malformed or contradicts itself is refused here; which instance types exist and
 * which architecture they have is the catalog's knowledge, checked when the Plan is resolved.
 */
import { z } from 'zod';
import { CPU_FAMILIES } from './choices.js';

/** The prefix of a runner authentication token, the only token GitLab 19 registers runners with. */
export const RUNNER_TOKEN_PREFIX = 'glrt-';
/** The prefix of a runner registration token; registration tokens are removed in GitLab 20. */
export const REGISTRATION_TOKEN_PREFIX = 'GR1348941';

const instanceTypeName = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'must be an EC2 instance type such as c7i.xlarge');
/** Secrets Manager secret names and ARNs (Secrets Manager API Reference, CreateSecret, Name). */
const secretName = z
  .string()
  .regex(
    /^([A-Za-z0-9/_+=.@-]{1,512}|arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+)$/,
    'must be a Secrets Manager secret name or ARN',
  );

/** Why a token written as text is refused, by what it looks like. */
export function tokenTextProblem(text: string): string {
  if (text.startsWith(REGISTRATION_TOKEN_PREFIX)) {
    return `is a runner registration token (${REGISTRATION_TOKEN_PREFIX}...); GitLab removes registration tokens in 20.0: leave authenticationToken out and deploy creates the runner through the API, or create one under Admin > CI/CD > Runners and store its ${RUNNER_TOKEN_PREFIX} token in Secrets Manager`;
  }
  if (!text.startsWith(RUNNER_TOKEN_PREFIX)) {
    return `is not a runner authentication token: those start with ${RUNNER_TOKEN_PREFIX}; create a runner under Admin > CI/CD > Runners, or leave authenticationToken out and deploy creates it`;
  }
  return `is a runner authentication token written as text, which would land in the Plan and the logs; store it in Secrets Manager and write { secret: "<secret name or ARN>" }`;
}

export const runnersSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Run a GitLab Runner fleet for CI/CD jobs next to GitLab.'),
    cpu: z
      .enum(CPU_FAMILIES)
      .optional()
      .describe("CPU of the job instances: x86 or Graviton (arm64); the architecture's cpu when omitted."),
    instanceTypes: z
      .array(instanceTypeName)
      .min(1, 'must list at least one instance type')
      .optional()
      .describe(
        'Instance types the fleet may launch, several so that Spot has capacity to choose from; sized by cpu when omitted.',
      ),
    maxInstances: z
      .number()
      .int()
      .min(1, 'must be at least 1: a fleet of 0 instances runs no job; set enabled: false instead')
      .max(1000)
      .default(10)
      .describe('Most job instances at once.'),
    idleCount: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(0)
      .describe('Instances kept idle, waiting for jobs (0: every job waits for an instance to boot).'),
    idleMinutes: z
      .number()
      .int()
      .min(1)
      .max(1440)
      .default(20)
      .describe('Minutes an idle instance is kept before it is removed.'),
    onDemandBase: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(0)
      .describe('Instances always bought on demand (never reclaimed); the rest are Spot.'),
    spot: z
      .boolean()
      .default(true)
      .describe('Buy the instances above onDemandBase as Spot; false buys every instance on demand.'),
    concurrentPerInstance: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(1)
      .describe('Jobs each instance runs at once.'),
    tags: z
      .array(z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits or _.:-'))
      .default([])
      .describe('Runner tags jobs select it by; without tags the runner also takes untagged jobs.'),
    manager: z
      .strictObject({
        instanceType: instanceTypeName
          .optional()
          .describe(
            'Instance type of the runner manager; a small general-purpose type of the cpu when omitted.',
          ),
        spot: z
          .boolean()
          .default(false)
          .describe(
            'Whether the manager runs on Spot: refused, a reclaimed manager drops every running job.',
          ),
      })
      .prefault({})
      .describe('The runner manager: the one instance that runs GitLab Runner and scales the job instances.'),
    authenticationToken: z
      .union([
        z.strictObject({
          secret: secretName.describe('Secrets Manager secret name or ARN holding the token.'),
        }),
        z.string(),
      ])
      .superRefine((value, context) => {
        if (typeof value === 'string') {
          context.addIssue({
            code: 'custom',
            message: tokenTextProblem(value),
            params: { withoutValue: true },
          });
        }
      })
      .optional()
      .describe(
        "A runner you created yourself: the Secrets Manager secret holding its glrt- authentication token. Without it, deploy creates the runner through GitLab's API.",
      ),
  })
  .superRefine((runners, context) => {
    if (!runners.enabled) return;
    if (runners.manager.spot) {
      context.addIssue({
        code: 'custom',
        path: ['manager', 'spot'],
        message:
          'puts the runner manager on Spot: when AWS reclaims it, every running job is lost and no job starts until it is back; remove manager.spot (the job instances stay Spot)',
      });
    }
    for (const field of ['idleCount', 'onDemandBase'] as const) {
      if (runners[field] > runners.maxInstances) {
        context.addIssue({
          code: 'custom',
          path: [field],
          message: `is more than maxInstances (${runners.maxInstances}); lower it or raise maxInstances`,
        });
      }
    }
    const spotOnly = runners.spot && runners.onDemandBase === 0;
    if (spotOnly && runners.instanceTypes?.length === 1) {
      context.addIssue({
        code: 'custom',
        path: ['instanceTypes'],
        message: `has one instance type for a fleet that is all Spot: when that type has no Spot capacity in an AZ, no job runs; list several types of similar size (e.g. ${runners.instanceTypes[0]} and its c/m siblings of the same generation), or set onDemandBase`,
      });
    }
  });

export type RunnersSpec = z.output<typeof runnersSchema>;
