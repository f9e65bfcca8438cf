import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { fullDiff } from '@aws-cdk/cloudformation-diff';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.js';
import { createApp } from '../../src/infra/app.js';
import {
  changeSetNameFor,
  deployEnvironment,
  interruptedSummary,
  refuseVersionChange,
  signInSummary,
} from '../../src/lifecycle/deploy.js';
import { gracefulInterrupt } from '../../src/lifecycle/interrupt.js';
import { deploymentWaves } from '../../src/lifecycle/stack-waves.js';
import type { Plan } from '../../src/plan/types.js';
import { planFor } from '../fixtures/plans.js';
import { environmentStacks, RecordingToolkit } from './recording-toolkit.js';

const plan = planFor();
const env = plan.spec.name;
const template = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/lifecycle/templates/${name}.json`, import.meta.url), 'utf8'));
const dataDiff = { [`${env}-data`]: fullDiff(template('before'), template('after')) };
const noLog = () => {};
let synthesized: ReturnType<ReturnType<typeof createApp>['synth']> | undefined;
/** The real app's cloud assembly, synthesized once for the tests that read it. */
const realAssembly = () => {
  synthesized ??= createApp(plan, { renderUserData: null }).synth();
  return synthesized;
};

describe('deploymentWaves', () => {
  it('puts independent stacks in one wave after what they depend on', () => {
    const stacks = [
      { id: 'n', name: 'n', dependsOn: [] },
      { id: 'd', name: 'd', dependsOn: ['n'] },
      { id: 'e', name: 'e', dependsOn: ['n'] },
      { id: 'c', name: 'c', dependsOn: ['d', 'e'] },
    ];
    expect(deploymentWaves(stacks)).toEqual([['n'], ['d', 'e'], ['c']]);
  });

  it("orders an environment's stacks network, data and edge together, compute, ops", () => {
    expect(deploymentWaves(environmentStacks('e'))).toEqual([
      ['e-network'],
      ['e-data', 'e-edge'],
      ['e-compute'],
      ['e-ops'],
    ]);
  });

  it('follows the dependencies CDK records in the real app (which the recording toolkit mirrors)', () => {
    const assembly = realAssembly();
    const names = new Set(assembly.stacks.map((stack) => stack.id));
    const real = assembly.stacks.map((stack) => ({
      id: stack.id,
      name: stack.stackName,
      dependsOn: stack.dependencies
        .filter((dependency) => names.has(dependency.id))
        .map((dependency) => assembly.getStackArtifact(dependency.id).stackName),
    }));
    expect(deploymentWaves(real)).toEqual(deploymentWaves(environmentStacks(env)));
  });

  it('refuses a dependency cycle', () => {
    const stacks = [
      { id: 'a', name: 'a', dependsOn: ['b'] },
      { id: 'b', name: 'b', dependsOn: ['a'] },
    ];
    expect(() => deploymentWaves(stacks)).toThrow(/cycle/);
  });
});

describe('deployEnvironment', () => {
  it('diffs every stack, then deploys wave by wave, each wave concurrently, under one change-set name', async () => {
    const toolkit = new RecordingToolkit(environmentStacks(env));
    const changeSetName = changeSetNameFor(new Date('2025-04-18T09:00:00.123Z'));
    const outcome = await deployEnvironment({ plan, toolkit, allowReplace: [], changeSetName, log: noLog });
    expect(changeSetName).toBe('gitlab-aws-20250418T090000Z');
    expect(toolkit.requests('diff')[0]!.stackNames).toHaveLength(5);
    expect(toolkit.requests('deploy').map((call) => call.request)).toEqual([
      { stackNames: [`${env}-network`], concurrency: 1, changeSetName },
      { stackNames: [`${env}-data`, `${env}-edge`], concurrency: 2, changeSetName },
      { stackNames: [`${env}-compute`], concurrency: 1, changeSetName },
      { stackNames: [`${env}-ops`], concurrency: 1, changeSetName },
    ]);
    // nothing is deployed before the diff gate has run
    expect(toolkit.calls.findIndex((call) => call.action === 'diff')).toBeLessThan(
      toolkit.calls.findIndex((call) => call.action === 'deploy'),
    );
    expect(outcome.kind).toBe('deployed');
  });

  it("hands the edge stack's LoadBalancerDnsName output on to the endpoint check", async () => {
    const toolkit = new RecordingToolkit(environmentStacks(env), {
      outputs: {
        [`${env}-edge`]: { LoadBalancerDnsName: 'gitlab-test-lb-0123.elb.us-east-1.amazonaws.com' },
      },
    });
    const outcome = await deployEnvironment({
      plan,
      toolkit,
      allowReplace: [],
      changeSetName: 'c',
      log: noLog,
    });
    expect(outcome).toMatchObject({
      kind: 'deployed',
      loadBalancerDnsName: 'gitlab-test-lb-0123.elb.us-east-1.amazonaws.com',
    });
  });

  it('refuses before any AWS call when the plan has errors', async () => {
    const toolkit = new RecordingToolkit(environmentStacks(env));
    const broken: Plan = {
      ...plan,
      checks: [{ id: 'GLA-DB-AURORA', level: 'error', category: 'aws', message: 'Aurora is not supported' }],
    };
    await expect(
      deployEnvironment({ plan: broken, toolkit, allowReplace: [], changeSetName: 'c', log: noLog }),
    ).rejects.toThrow(/GLA-DB-AURORA: Aurora is not supported/);
    expect(toolkit.calls).toEqual([]);
  });

  it('refuses stateful replacements not named by --allow-replace, and deploys nothing', async () => {
    const toolkit = new RecordingToolkit(environmentStacks(env), { diffs: dataDiff });
    const attempt = deployEnvironment({
      plan,
      toolkit,
      allowReplace: ['Database'],
      changeSetName: 'c',
      log: noLog,
    });
    await expect(attempt).rejects.toBeInstanceOf(UserError);
    const message = await attempt.catch((error: Error) => error.message);
    for (const id of ['Gitaly1', 'GitalyVolume2', 'ArtifactsBucket', 'GitlabSecretsJson']) {
      expect(message).toContain(`--allow-replace ${id}`);
    }
    expect(message).not.toContain('--allow-replace Database');
    expect(message).toContain(`${env}-data Gitaly1 (AWS::EC2::Instance): replace`);
    expect(toolkit.requests('deploy')).toEqual([]);
  });

  it('refuses, whatever --allow-replace names, an environment whose access-log bucket is still in the data stack', async () => {
    // The layout of earlier releases, made from the real templates: the same bucket in the data stack.
    const assembly = realAssembly();
    const templateOf = (kind: string) =>
      assembly.stacks.find((stack) => stack.stackName === `${env}-${kind}`)!.template as {
        Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
      };
    const [network, data] = [templateOf('network'), templateOf('data')];
    const buckets = Object.entries(network.Resources).filter(
      ([, resource]) => resource.Type === 'AWS::S3::Bucket',
    );
    expect(buckets).toHaveLength(1);
    const [bucketId, bucket] = buckets[0]!;
    const oldNetwork = {
      ...network,
      Resources: Object.fromEntries(Object.entries(network.Resources).filter(([id]) => id !== bucketId)),
    };
    const oldData = { ...data, Resources: { ...data.Resources, AccessLogsBucket: bucket } };
    const diffs = {
      [`${env}-network`]: fullDiff(oldNetwork, network),
      [`${env}-data`]: fullDiff(oldData, data),
    };
    const toolkit = new RecordingToolkit(environmentStacks(env), { diffs });
    const attempt = deployEnvironment({
      plan,
      toolkit,
      allowReplace: [bucketId, 'AccessLogsBucket'],
      changeSetName: 'c',
      log: noLog,
    });
    const message = await attempt.then(
      () => 'deployed',
      (error: Error) => (error instanceof UserError ? error.message : `unexpected: ${error.message}`),
    );
    expect(message).toContain(
      `${env}-network ${bucketId} (AWS::S3::Bucket): moves from ${env}-data AccessLogsBucket`,
    );
    expect(message).toContain('cannot move a resource between stacks in place');
    expect(message).not.toContain('repeat the deploy with');
    expect(toolkit.requests('deploy')).toEqual([]);
    // The layout this release deploys goes through.
    const same = { [`${env}-network`]: fullDiff(network, network), [`${env}-data`]: fullDiff(data, data) };
    const fresh = new RecordingToolkit(environmentStacks(env), { diffs: same });
    await expect(
      deployEnvironment({ plan, toolkit: fresh, allowReplace: [], changeSetName: 'c', log: noLog }),
    ).resolves.toMatchObject({ kind: 'deployed' });
  });

  it('deploys once every stateful change is allowed', async () => {
    const toolkit = new RecordingToolkit(environmentStacks(env), { diffs: dataDiff });
    const allowReplace = ['Database', 'Gitaly1', 'GitalyVolume2', 'ArtifactsBucket', 'GitlabSecretsJson'];
    const outcome = await deployEnvironment({ plan, toolkit, allowReplace, changeSetName: 'c', log: noLog });
    expect(outcome.kind).toBe('deployed');
    expect(toolkit.requests('deploy')).toHaveLength(4);
  });

  it('stops after the wave in flight on Ctrl-C and says what is left', async () => {
    const signals = new EventEmitter();
    const interrupt = gracefulInterrupt({ signals, log: noLog, operation: 'deploy', exit: () => {} });
    const toolkit = new RecordingToolkit(environmentStacks(env), {
      duringDeploy: (request) => {
        if (request.stackNames.includes(`${env}-data`)) signals.emit('SIGINT');
      },
    });
    const outcome = await deployEnvironment({
      plan,
      toolkit,
      allowReplace: [],
      changeSetName: 'c',
      signal: interrupt.signal,
      log: noLog,
    });
    interrupt.dispose();
    expect(toolkit.requests('deploy')).toHaveLength(2);
    expect(outcome).toEqual({
      kind: 'interrupted',
      deployed: [`${env}-network`, `${env}-data`, `${env}-edge`],
      notStarted: [`${env}-compute`, `${env}-ops`],
    });
    if (outcome.kind !== 'interrupted') throw new Error('expected an interruption');
    expect(interruptedSummary(outcome).at(-1)).toBe(
      'Run `gitlab-aws deploy` again to continue where it stopped.',
    );
  });

  it('lets a failed stack fail the deploy without starting later waves', async () => {
    const toolkit = new RecordingToolkit(environmentStacks(env), { failDeployOf: `${env}-compute` });
    await expect(
      deployEnvironment({ plan, toolkit, allowReplace: [], changeSetName: 'c', log: noLog }),
    ).rejects.toThrow(/compute failed/);
    expect(toolkit.requests('deploy').map((call) => call.request.stackNames[0])).not.toContain(`${env}-ops`);
  });
});

describe('the version gate', () => {
  const deployWith = (deployedVersion: string | undefined) => {
    const toolkit = new RecordingToolkit(environmentStacks(env));
    const outcome = deployEnvironment({
      plan,
      toolkit,
      allowReplace: [],
      changeSetName: 'c',
      deployedVersion: async () => deployedVersion,
      log: noLog,
    });
    return { toolkit, outcome };
  };

  it('deploys a new environment (no version parameter yet) and one that runs the spec version', async () => {
    for (const deployed of [undefined, plan.gitlab.version]) {
      const { toolkit, outcome } = deployWith(deployed);
      expect((await outcome).kind).toBe('deployed');
      // One deploy per wave: network; data and edge; compute; ops.
      expect(toolkit.requests('deploy')).toHaveLength(deploymentWaves(environmentStacks(env)).length);
      expect(toolkit.requests('deploy')).toHaveLength(4);
    }
  });

  it('refuses a newer spec version before touching a stack, and names the upgrade that installs it', async () => {
    const { toolkit, outcome } = deployWith('19.2.5');
    const message = await outcome.then(
      () => '',
      (error: Error) => error.message,
    );
    expect(message).toContain(
      `deploy refused: the spec asks for GitLab ${plan.gitlab.version}, the environment runs 19.2.5 (/${env}/gitlab-version).`,
    );
    expect(message).toContain(`  gitlab-aws upgrade --to ${plan.gitlab.version}\n`);
    expect(toolkit.calls).toEqual([]);
  });

  it('refuses an older spec version: GitLab does not downgrade', () => {
    const newer = { ...plan, gitlab: { ...plan.gitlab, version: '19.3.0' } };
    expect(() => refuseVersionChange(newer, '19.4.1')).toThrow(
      /runs 19\.4\.1 .*\n.*Set gitlab\.version: 19\.4\.1\s+in the spec/,
    );
    expect(() => refuseVersionChange(newer, '19.3.0')).not.toThrow();
    // Numbers, not text: 19.3.10 is not 19.3.1.
    expect(() =>
      refuseVersionChange({ ...plan, gitlab: { ...plan.gitlab, version: '19.3.1' } }, '19.3.10'),
    ).toThrow(UserError);
  });

  it('refuses a version parameter that holds no version', () => {
    expect(() => refuseVersionChange(plan, 'latest')).toThrow(
      `deploy refused: the version parameter /${env}/gitlab-version holds "latest", not a GitLab version`,
    );
  });
});

describe('gracefulInterrupt', () => {
  it('aborts on the first Ctrl-C and exits 130 on the second', () => {
    const signals = new EventEmitter();
    const lines: string[] = [];
    const exits: number[] = [];
    const interrupt = gracefulInterrupt({
      signals,
      log: (line) => lines.push(line),
      operation: 'destroy',
      exit: (code) => exits.push(code),
    });
    signals.emit('SIGINT');
    expect(interrupt.signal.aborted).toBe(true);
    expect(exits).toEqual([]);
    signals.emit('SIGINT');
    expect(exits).toEqual([130]);
    expect(lines[1]).toContain('`gitlab-aws destroy` to continue');
    interrupt.dispose();
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });
});

describe('signInSummary', () => {
  it('names the URL, the SSH clone host and the root password secret from the plan', () => {
    const lines = signInSummary(plan);
    expect(lines[0]).toBe('GitLab:          https://gitlab.example.com');
    expect(lines[1]).toBe('Clone over SSH:  git@gitlab.example.com:<group>/<project>.git');
    expect(lines[2]).toContain(`Secrets Manager secret ${env}/root-password (us-west-2)`);
  });
});
