/**
 * Fakes of the seams a restore drives, able to fail the way AWS does: auto scaling groups whose
 * members are still booting or whose API calls fail, Run Command invocations that fail, time out or
 * come back with their output cut, and a runner for the scripts themselves under dash and bash.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RemoteCommand, RemoteCommandResult, RemoteRunner } from '../../src/lifecycle/fleet.js';
import type { GroupMember, ScalingProcess, ScalingProcesses } from '../../src/lifecycle/scaling-processes.js';

/** Groups by name with their members; every call is written to a timeline shared with the runner. */
export class FakeScalingProcesses implements ScalingProcesses {
  /** Processes suspended now, by group name. */
  readonly suspended = new Map<string, Set<ScalingProcess>>();
  /** Calls that fail, by `suspend <group>` / `resume <group>`, with the error AWS would give. */
  readonly failures = new Map<string, Error>();

  constructor(
    private readonly groups: Record<string, GroupMember[]>,
    private readonly timeline: string[],
  ) {}

  async suspend(groupName: string, processes: readonly ScalingProcess[]): Promise<void> {
    this.call(`suspend ${groupName}`);
    const set = this.suspended.get(groupName) ?? new Set();
    for (const process of processes) set.add(process);
    this.suspended.set(groupName, set);
  }

  async resume(groupName: string, processes: readonly ScalingProcess[]): Promise<void> {
    this.call(`resume ${groupName}`);
    const set = this.suspended.get(groupName);
    for (const process of processes) set?.delete(process);
    if (set?.size === 0) this.suspended.delete(groupName);
  }

  async members(groupName: string): Promise<GroupMember[]> {
    const members = this.groups[groupName];
    if (!members) throw new Error(`auto scaling group ${groupName} does not exist`);
    return members;
  }

  private call(what: string) {
    this.timeline.push(what);
    const failure = this.failures.get(what);
    if (failure) throw failure;
  }
}

/** What a scripted invocation answers: output, or the failure SsmRemoteRunner reports. */
export type Answer = { readonly output?: string; readonly status?: 'Failed' | 'TimedOut' | 'Cancelled' };

/** Records each invocation on the timeline (`run <instance>: <title>`) and answers as scripted. */
export class ScriptedRunner implements RemoteRunner {
  readonly commands: RemoteCommand[] = [];

  constructor(
    private readonly timeline: string[],
    private readonly answer: (request: RemoteCommand) => Answer = () => ({}),
  ) {}

  async run(request: RemoteCommand): Promise<RemoteCommandResult> {
    this.commands.push(request);
    this.timeline.push(`run ${request.instanceId}: ${request.comment}`);
    const answer = this.answer(request);
    const commandId = `cmd-${this.commands.length}`;
    if (answer.status) {
      // The message SsmRemoteRunner throws for a final status other than Success.
      throw new Error(
        `"${request.comment}" on ${request.instanceId}: ${answer.status} (command ${commandId}); last output:\n${answer.output ?? ''}`,
      );
    }
    return { commandId, output: answer.output ?? '' };
  }
}

/** Paths on the node that the script runs under a sandbox instead. */
const SANDBOXED = ['/etc/gitlab/', '/var/opt/gitlab/', '/opt/gitlab/'];
/** Commands stubbed by default: they record their arguments and succeed. */
const DEFAULT_STUBS = ['gitlab-ctl', 'gitlab-backup', 'gitlab-rake', 'aws', 'chown', 'df'];

export interface NodeRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** One line per stubbed call, `command args`, paths as on the node. */
  readonly trace: string[];
  /** Files under the sandboxed paths after the run, by their path on the node (those given, and `read`). */
  readonly files: Record<string, string | undefined>;
}

/**
 * Runs a rendered command list as Run Command does: written to a file that `shell` (dash, Ubuntu's
 * sh, or bash) executes, so the kernel honours its shebang. `stubs` replace commands with shell
 * bodies run after the call is recorded (`$@` are its arguments).
 */
export function runOnNode(
  shell: 'dash' | 'bash',
  commands: readonly string[],
  options: {
    readonly files?: Readonly<Record<string, string>>;
    readonly stubs?: Readonly<Record<string, string>>;
    /** Further paths to read back after the run. */
    readonly read?: readonly string[];
  } = {},
): NodeRun {
  const root = mkdtempSync(join(tmpdir(), 'gitlab-aws-restore-'));
  try {
    const bin = join(root, 'bin');
    mkdirSync(bin);
    const traceFile = join(root, 'trace');
    writeFileSync(traceFile, '');
    const onNode = (text: string) =>
      SANDBOXED.reduce((out, dir) => out.replaceAll(dir, `${root}${dir}`), text);
    for (const dir of SANDBOXED) mkdirSync(join(root, dir), { recursive: true });
    const stubs = { ...Object.fromEntries(DEFAULT_STUBS.map((name) => [name, ''])), ...options.stubs };
    for (const [name, body] of Object.entries(stubs)) {
      const stub = join(bin, name);
      writeFileSync(stub, `#!/bin/sh\nprintf '%s\\n' "${name} $*" >>"${traceFile}"\n${onNode(body)}\n`);
      chmodSync(stub, 0o755);
    }
    for (const [path, content] of Object.entries(options.files ?? {})) {
      mkdirSync(dirname(onNode(path)), { recursive: true });
      writeFileSync(onNode(path), content);
    }
    const script = join(root, '_script.sh');
    writeFileSync(script, onNode(`${commands.join('\n')}\n`));
    chmodSync(script, 0o755);
    const result = spawnSync(shell, ['-c', script], {
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: root },
    });
    const fromNode = (text: string) => text.replaceAll(root, '');
    const read = (path: string) => {
      try {
        return readFileSync(onNode(path), 'utf8');
      } catch {
        return undefined;
      }
    };
    return {
      status: result.status,
      stdout: fromNode(result.stdout),
      stderr: fromNode(result.stderr),
      trace: fromNode(readFileSync(traceFile, 'utf8')).split('\n').filter(Boolean),
      files: Object.fromEntries(
        [...Object.keys(options.files ?? {}), ...(options.read ?? [])].map((path) => [path, read(path)]),
      ),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
