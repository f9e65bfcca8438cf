import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { fullDiff } from '@aws-cdk/cloudformation-diff';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.js';
import { createApp } from '../../src/infra/app.js';
import {
  changeSetNameFor,
  deployAsDependenciesAllow,
  deployEnvironment,
  interruptedSummary,
  refuseOnPlanErrors,
  refuseUnapprovedStatefulChanges,
  refuseVersionChange,
  signInSummary,
} from '../../src/lifecycle/deploy.js';
import { gracefulInterrupt } from '../../src/lifecycle/interrupt.js';
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

describe('deployEnvironment', () => {
  it('diffs every stack, then deploys each stack once its dependencies are deployed, under one change-set name', async () => {
    const toolkit = new RecordingToolkit(environmentStacks(env));
    const changeSetName = changeSetNameFor(new Date('2025-04-18T09:00:00.123Z'));
    const outcome = await deployEnvironment({ plan, toolkit, allowReplace: [], changeSetName, log: noLog });
    expect(changeSetName).toBe('gitlab-aws-20250418T090000Z');
    expect(toolkit.requests('diff')[0]!.stackNames).toHaveLength(5);
    const requests = toolkit.requests('deploy').map((call) => call.request);
    expect(requests).toHaveLength(5);
    for (const request of requests) expect(request).toMatchObject({ concurrency: 1, changeSetName });
    expect(requests.map((request) => request.stackNames).sort()).toEqual(
      environmentStacks(env)
        .map((stack) => [stack.name])
        .sort(),
    );
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
    expect(toolkit.requests('deploy')).toHaveLength(5);
  });

  it('starts no further stack on Ctrl-C, lets the one in flight finish and says what is left', async () => {
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
    // Data and edge were ready together; data started first, and the interruption came during it.
    expect(toolkit.requests('deploy')).toHaveLength(2);
    expect(outcome).toEqual({
      kind: 'interrupted',
      deployed: [`${env}-network`, `${env}-data`],
      notStarted: [`${env}-edge`, `${env}-compute`, `${env}-ops`],
    });
    if (outcome.kind !== 'interrupted') throw new Error('expected an interruption');
    expect(interruptedSummary(outcome).at(-1)).toBe(
      'Run `gitlab-aws deploy` again to continue where it stopped.',
    );
  });

  it('lets a failed stack fail the deploy without starting what depends on it', async () => {
    const toolkit = new RecordingToolkit(environmentStacks(env), { failDeployOf: `${env}-data` });
    await expect(
      deployEnvironment({ plan, toolkit, allowReplace: [], changeSetName: 'c', log: noLog }),
    ).rejects.toThrow(/data failed/);
    const requested = toolkit.requests('deploy').flatMap((call) => call.request.stackNames);
    expect(requested).toContain(`${env}-data`);
    expect(requested).not.toContain(`${env}-ops`);
  });

  it('starts no stack whose dependency did not deploy, throws the failure itself, and ignores dependencies outside the app', async () => {
    const stacks = [
      { id: 'n', name: 'n', dependsOn: ['bootstrap-outside-the-app'] },
      { id: 'a', name: 'a', dependsOn: ['n'] },
      { id: 'b', name: 'b', dependsOn: ['a'] },
      { id: 'c', name: 'c', dependsOn: ['n'] },
    ];
    const failure = new Error('a failed: ROLLBACK_COMPLETE');
    const started: string[] = [];
    const deploy = async (name: string) => {
      started.push(name);
      if (name === 'a') throw failure;
      return [{ stackName: name, outputs: {} }];
    };
    const attempt = deployAsDependenciesAllow(stacks, { deploy, stopped: () => false, starting: () => {} });
    await expect(attempt).rejects.toBe(failure);
    expect(started).not.toContain('b');
    expect(started).toContain('n');
    // A stack held back (here: one the stop predicate caught) holds back what depends on it, even
    // when the predicate no longer says stop.
    const held: string[] = [];
    let asked = 0;
    const result = await deployAsDependenciesAllow(stacks, {
      deploy: async (name) => {
        held.push(name);
        return [{ stackName: name, outputs: {} }];
      },
      // Asked for n, then a (stop), then c.
      stopped: () => ++asked === 2,
      starting: () => {},
    });
    expect(held).toEqual(['n', 'c']);
    expect(result.notStarted).toEqual(['a', 'b']);
    expect(result.outputs.map((stack) => stack.stackName)).toEqual(['n', 'c']);
  });

  it('starts a stack once what it depends on is deployed, not when a whole wave is: compute and ops beside the data stack', async () => {
    const events: string[] = [];
    let releaseData = () => {};
    const dataHeld = new Promise<void>((resolve) => {
      releaseData = resolve;
    });
    const stacks = environmentStacks(env);
    const toolkit = {
      deploy: async (request: { stackNames: readonly string[] }) => {
        const [name] = request.stackNames as [string];
        events.push(`start ${name}`);
        if (name === `${env}-data`) await Promise.race([dataHeld, new Promise((r) => setTimeout(r, 2000))]);
        if (name === `${env}-compute`) releaseData();
        events.push(`end ${name}`);
        return [{ stackName: name, outputs: {} }];
      },
    };
    const result = await deployAsDependenciesAllow(stacks, {
      deploy: (name) => toolkit.deploy({ stackNames: [name] }),
      stopped: () => false,
      starting: () => {},
    });
    expect(result.notStarted).toEqual([]);
    expect(result.outputs.map((stack) => stack.stackName)).toEqual(stacks.map((stack) => stack.name));
    // Compute and ops started while the data stack was still being deployed.
    expect(events.indexOf(`start ${env}-compute`)).toBeLessThan(events.indexOf(`end ${env}-data`));
    expect(events.indexOf(`start ${env}-ops`)).toBeLessThan(events.indexOf(`end ${env}-data`));
    // Every stack started after each stack it depends on ended.
    for (const stack of stacks)
      for (const dependency of stack.dependsOn)
        expect(events.indexOf(`start ${stack.name}`)).toBeGreaterThan(events.indexOf(`end ${dependency}`));
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
      // One deploy per stack, each as soon as what it depends on is deployed.
      expect(toolkit.requests('deploy')).toHaveLength(environmentStacks(env).length);
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
    expect(lines.slice(2)).toEqual([
      `Root password:   Secrets Manager secret ${env}/root-password (us-west-2); read it with`,
      `                 aws secretsmanager get-secret-value --region us-west-2 --secret-id ${env}/root-password --query SecretString --output text`,
      'Sign in as:      root',
    ]);
  });

  it('says nothing about a root password the plan does not generate', () => {
    const without = { ...plan, secrets: plan.secrets.filter((secret) => secret.id !== 'root-password') };
    expect(signInSummary(without).slice(2)).toEqual(['Sign in as:      root']);
  });
});

describe('what deploy tells the operator', () => {
  it('narrates the comparison and each stack under its change set, after what it depends on', async () => {
    const lines: string[] = [];
    const toolkit = new RecordingToolkit(environmentStacks(env));
    await deployEnvironment({
      plan,
      toolkit,
      allowReplace: [],
      changeSetName: 'cs-1',
      log: (line) => lines.push(line),
    });
    expect(toolkit.requests('diff').map((call) => call.stackNames)).toEqual([
      environmentStacks(env).map((stack) => stack.name),
    ]);
    expect(lines[0]).toBe('Comparing 5 stacks with what is deployed...');
    const stacks = environmentStacks(env);
    expect([...lines.slice(1)].sort()).toEqual(
      stacks.map((stack) => `Deploying ${stack.name} (change set cs-1)`).sort(),
    );
    const at = (name: string) => lines.indexOf(`Deploying ${name} (change set cs-1)`);
    for (const stack of stacks)
      for (const dependency of stack.dependsOn) expect(at(stack.name)).toBeGreaterThan(at(dependency));
  });

  it('deploys each stack by itself, under the change set', async () => {
    const lines: string[] = [];
    const stacks = [
      { id: 'n', name: 'n', dependsOn: [] },
      { id: 'a', name: 'a', dependsOn: ['n'] },
      { id: 'b', name: 'b', dependsOn: ['n'] },
    ];
    const toolkit = new RecordingToolkit(stacks);
    await deployEnvironment({
      plan,
      toolkit,
      allowReplace: [],
      changeSetName: 'c',
      log: (line) => lines.push(line),
    });
    expect(lines.slice(-2)).toEqual(['Deploying a (change set c)', 'Deploying b (change set c)']);
    expect(toolkit.requests('deploy').at(-1)!.request).toEqual({
      stackNames: ['b'],
      concurrency: 1,
      changeSetName: 'c',
    });
  });

  it('lists every error of the plan with its id, ignores warnings, and says how to review', () => {
    const checks = [
      { id: 'GLA-DB-AURORA', level: 'error', category: 'aws', message: 'Aurora is not supported' },
      { id: 'GLA-COST', level: 'warning', category: 'aws', message: 'expensive' },
      { id: 'GLA-AZ', level: 'error', category: 'aws', message: 'two AZs' },
    ] as Plan['checks'];
    expect(() => refuseOnPlanErrors({ checks })).toThrow(
      new UserError(
        [
          'deploy refused: the plan has 2 error(s); fix the spec and run `gitlab-aws plan` to review:',
          '  GLA-DB-AURORA: Aurora is not supported',
          '  GLA-AZ: two AZs',
        ].join('\n'),
      ),
    );
    expect(() => refuseOnPlanErrors({ checks: [checks[1]!] })).not.toThrow();
  });

  it('names each stateful change and the flags that accept them, and lets approved ones pass', () => {
    const changes = [
      {
        stackName: `${env}-data`,
        logicalId: 'Gitaly1',
        resourceType: 'AWS::EC2::Instance',
        action: 'replace',
        holds: 'repositories',
      },
      {
        stackName: `${env}-data`,
        logicalId: 'Bucket',
        resourceType: 'AWS::S3::Bucket',
        action: 'delete',
        holds: 'artifacts',
      },
    ] as const;
    let message = '';
    try {
      refuseUnapprovedStatefulChanges(changes, []);
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      message = (error as Error).message;
    }
    expect(message).toBe(
      [
        'deploy refused: 2 change(s) would replace, delete or move resources that hold data:',
        `  ${env}-data Gitaly1 (AWS::EC2::Instance): replace, holds repositories`,
        `  ${env}-data Bucket (AWS::S3::Bucket): delete, holds artifacts`,
        'Review them with `gitlab-aws diff`. To accept, repeat the deploy with --allow-replace Gitaly1 --allow-replace Bucket',
      ].join('\n'),
    );
    expect(() => refuseUnapprovedStatefulChanges(changes, ['Gitaly1', 'Bucket'])).not.toThrow();
  });

  it('tells a newer spec version to upgrade first, and an older one to set the running version, in full', () => {
    const at = (version: string) => ({ ...plan, gitlab: { ...plan.gitlab, version } });
    const parameter = `/${env}/gitlab-version`;
    expect(() => refuseVersionChange(at('19.4.1'), '19.3.0')).toThrow(
      new UserError(
        [
          `deploy refused: the spec asks for GitLab 19.4.1, the environment runs 19.3.0 (${parameter}).`,
          'A version change is an upgrade: Gitaly first, then Praefect, then one Rails node migrating with',
          'post-deployment migrations skipped, then the rest, then the post-deployment migrations; deploy',
          'would have every new node install 19.4.1 and migrate at boot instead. Run:',
          '  gitlab-aws upgrade --to 19.4.1',
          'then deploy again.',
        ].join('\n'),
      ),
    );
    expect(() => refuseVersionChange(at('19.3.0'), '19.4.1')).toThrow(
      new UserError(
        [
          `deploy refused: the spec asks for GitLab 19.3.0, the environment runs 19.4.1 (${parameter}),`,
          'and GitLab does not downgrade over a database migrated to 19.4.1. Set gitlab.version: 19.4.1',
          'in the spec, then deploy again.',
        ].join('\n'),
      ),
    );
    expect(() => refuseVersionChange(at('19.3.0'), 'latest')).toThrow(
      new UserError(
        `deploy refused: the version parameter ${parameter} holds "latest", not a GitLab version; ` +
          'run `gitlab-aws upgrade --to <version>` with the version the nodes run (it writes the parameter)',
      ),
    );
    expect(() => refuseVersionChange(at('19.3.0'), undefined)).not.toThrow();
  });

  it('hands on no load balancer name when the edge stack has none, and takes it from the edge stack only', async () => {
    const toolkit = new RecordingToolkit(environmentStacks(env), {
      outputs: { [`${env}-compute`]: { LoadBalancerDnsName: 'not-the-edge.example.com' } },
    });
    const outcome = await deployEnvironment({
      plan,
      toolkit,
      allowReplace: [],
      changeSetName: 'c',
      log: noLog,
    });
    expect(outcome.kind).toBe('deployed');
    expect('loadBalancerDnsName' in outcome).toBe(false);
  });

  it('starts no stack when interrupted before the first wave, and says none is deployed', async () => {
    const aborted = new AbortController();
    aborted.abort();
    const toolkit = new RecordingToolkit(environmentStacks(env));
    const outcome = await deployEnvironment({
      plan,
      toolkit,
      allowReplace: [],
      changeSetName: 'c',
      signal: aborted.signal,
      log: noLog,
    });
    expect(toolkit.requests('deploy')).toEqual([]);
    if (outcome.kind !== 'interrupted') throw new Error('expected an interruption');
    expect(interruptedSummary(outcome)).toEqual([
      'Deploy interrupted. CloudFormation finished every stack it had started; no stack is mid-update.',
      '  Deployed:    none',
      `  Not started: ${['network', 'data', 'edge', 'compute', 'ops'].map((kind) => `${env}-${kind}`).join(', ')}`,
      'Run `gitlab-aws deploy` again to continue where it stopped.',
    ]);
    expect(
      interruptedSummary({ kind: 'interrupted', deployed: ['a', 'b'], notStarted: [] }).slice(1, 3),
    ).toEqual(['  Deployed:    a, b', '  Not started: none']);
  });
});
