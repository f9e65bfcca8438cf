/**
 * A fake of the chart's CodeBuild project (the ChartBuilds seam), able to fail the way CodeBuild
 * does: each build started goes through CodeBuild's phases one look at a time, prints its log lines
 * a few at a time, and ends as scripted (SUCCEEDED, FAILED in a phase, or never: still in
 * progress). `started` records what each build was started with.
 */
import type { ChartBuildState, ChartBuilds } from '../../src/lifecycle/hybrid-builds.js';

/** How a scripted build goes: the lines it prints, and how it ends. */
export interface ScriptedBuild {
  readonly lines?: readonly string[];
  /** SUCCEEDED unless told; `never` keeps it IN_PROGRESS forever. */
  readonly ends?: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'never';
  /** Phase it ends in when it fails. */
  readonly failsIn?: string;
}

const PHASES = ['QUEUED', 'PROVISIONING', 'BUILD'];

interface Running {
  readonly script: ScriptedBuild;
  readonly startedAt: Date;
  looks: number;
}

export class FakeChartBuilds implements ChartBuilds {
  readonly started: { environment: Readonly<Record<string, string>>; timeoutMinutes: number }[] = [];
  private readonly builds = new Map<string, Running>();
  private readonly queue: ScriptedBuild[] = [];
  /** How each build started by the deploy's CloudFormation goes (for `newestSince`). */
  private installStartsAfterLooks = Number.POSITIVE_INFINITY;
  private newestLooks = 0;

  /** The next builds started go as scripted, in order; unscripted ones succeed printing nothing. */
  script(...builds: ScriptedBuild[]): this {
    this.queue.push(...builds);
    return this;
  }

  /** CloudFormation starts an install build, seen by `newestSince` after so many looks. */
  installStarts(afterLooks: number, build: ScriptedBuild): this {
    this.installStartsAfterLooks = afterLooks;
    this.builds.set('gitlab-install:cfn', { script: build, startedAt: new Date(8.64e15), looks: 0 });
    return this;
  }

  async start(environment: Readonly<Record<string, string>>, timeoutMinutes: number): Promise<string> {
    this.started.push({ environment, timeoutMinutes });
    const id = `gitlab-install:${this.started.length}`;
    this.builds.set(id, { script: this.queue.shift() ?? {}, startedAt: new Date(), looks: 0 });
    return id;
  }

  async newestSince(_since: Date): Promise<string | undefined> {
    this.newestLooks += 1;
    return this.newestLooks > this.installStartsAfterLooks ? 'gitlab-install:cfn' : undefined;
  }

  /** Each look moves the build one phase on; after the phases it ends as scripted. */
  async state(buildId: string): Promise<ChartBuildState> {
    const build = this.builds.get(buildId);
    if (!build) throw new Error(`no build ${buildId}`);
    build.looks += 1;
    const log = { group: '/aws/codebuild/Installer', stream: buildId.split(':')[1]! };
    if (build.looks <= PHASES.length || build.script.ends === 'never') {
      return {
        id: buildId,
        status: 'IN_PROGRESS',
        phase: PHASES[Math.min(build.looks, PHASES.length) - 1]!,
        log,
      };
    }
    const ends = build.script.ends ?? 'SUCCEEDED';
    return {
      id: buildId,
      status: ends,
      phase: ends === 'SUCCEEDED' ? 'COMPLETED' : (build.script.failsIn ?? 'BUILD'),
      log,
    };
  }

  /** Two lines more per read (CloudWatch Logs delivers a build's log in pieces). */
  async logLines(buildId: string, cursor?: string): Promise<{ lines: string[]; cursor?: string }> {
    const lines = this.builds.get(buildId)?.script.lines ?? [];
    const from = Number(cursor ?? 0);
    const to = Math.min(lines.length, from + 2);
    return { lines: lines.slice(from, to), cursor: String(to) };
  }
}
