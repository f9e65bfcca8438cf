/**
 * Runs the command lines a lifecycle step sends through SSM, for real, in a sandbox: GitLab's,
 * AWS's and the package manager's commands (and the file commands whose effect is the point) are
 * stubs that record how they were called; paths under /etc/gitlab and /var/opt/gitlab point into
 * the sandbox, so sed edits a sandbox gitlab.rb. The trace says what the step does, in order, with
 * the values the script took from its header.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const STUBS = [
  'gitlab-ctl',
  'gitlab-backup',
  'gitlab-rake',
  'gitlab-rails',
  'praefect',
  'curl',
  'aws',
  'apt-get',
  'dnf',
  'chown',
  'touch',
  'rm',
];
/** Environment a stub records in front of its command line when it was set for the call. */
const RECORDED_ENV = ['SKIP_POST_DEPLOYMENT_MIGRATIONS', 'DEBIAN_FRONTEND'];
const SANDBOXED = ['/etc/gitlab/', '/var/opt/gitlab/'];

export interface ScriptRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** One line per stubbed call: `NAME=value command args`, paths as on the node. */
  readonly trace: string[];
  /** Files as the script left them, by their path on the node. */
  readonly files: Record<string, string>;
}

/**
 * How the script is started: sourced by bash (the default, with kill and sleep as functions), or as
 * SSM's AWS-RunShellScript does, executed as a file by `sh`, which is dash on Ubuntu, so that the
 * kernel runs the interpreter its shebang names.
 */
export type ScriptLauncher = 'bash-source' | 'dash-exec';

/** What a stubbed command prints and exits with, instead of nothing and 0. */
export interface StubAnswer {
  readonly stdout?: string;
  readonly status?: number;
}

export function runRemoteScript(
  commands: readonly string[],
  files: Readonly<Record<string, string>> = {},
  answers: Readonly<Record<string, StubAnswer>> = {},
  launcher: ScriptLauncher = 'bash-source',
): ScriptRun {
  const root = mkdtempSync(join(tmpdir(), 'gitlab-aws-remote-'));
  try {
    const bin = join(root, 'bin');
    mkdirSync(bin);
    const traceFile = join(root, 'trace');
    writeFileSync(traceFile, '');
    const env = RECORDED_ENV.map((name) => `\${${name}:+${name}=$${name} }`).join('');
    for (const name of STUBS) {
      const stub = join(bin, name);
      // An answer keyed `name sub` is for calls whose first argument is `sub`; `name` for the others.
      const reply = (answer: StubAnswer) =>
        `${answer.stdout === undefined ? '' : `cat <<'STUB_OUT'\n${answer.stdout}\nSTUB_OUT\n`}exit ${answer.status ?? 0}\n`;
      const bySubcommand = Object.entries(answers)
        .filter(([key]) => key.startsWith(`${name} `))
        .map(([key, answer]) => `if [ "$1" = "${key.slice(name.length + 1)}" ]; then\n${reply(answer)}fi\n`);
      writeFileSync(
        stub,
        `#!/bin/sh\nprintf '%s\\n' "${env}${name} $*" >>"${traceFile}"\n${bySubcommand.join('')}${reply(answers[name] ?? {})}`,
      );
      chmodSync(stub, 0o755);
    }
    const onNode = (path: string) =>
      SANDBOXED.reduce((text, dir) => text.replaceAll(dir, `${root}${dir}`), path);
    for (const dir of SANDBOXED) mkdirSync(join(root, dir), { recursive: true });
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(onNode(path)), { recursive: true });
      writeFileSync(onNode(path), content);
    }
    const script = join(root, 'script.sh');
    writeFileSync(script, onNode(commands.join('\n')));
    // kill and sleep are builtins or too real: functions in the shell that sources the script.
    const harness = [
      `kill() { printf 'kill %s\\n' "$*" >>"${traceFile}"; [ "$1" != -0 ]; }`,
      'sleep() { :; }',
      `. "${script}"`,
    ].join('\n');
    chmodSync(script, 0o755);
    const result =
      launcher === 'dash-exec'
        ? spawnSync('dash', ['-c', '"$0"', script], {
            encoding: 'utf8',
            env: { PATH: `${bin}:${process.env.PATH}`, HOME: root },
          })
        : spawnSync('bash', ['-c', harness], {
            encoding: 'utf8',
            env: { PATH: `${bin}:${process.env.PATH}`, HOME: root },
          });
    const fromNode = (text: string) => text.replaceAll(root, '');
    return {
      status: result.status,
      stdout: fromNode(result.stdout),
      stderr: fromNode(result.stderr),
      trace: fromNode(readFileSync(traceFile, 'utf8')).split('\n').filter(Boolean),
      files: Object.fromEntries(Object.keys(files).map((path) => [path, readFileSync(onNode(path), 'utf8')])),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
