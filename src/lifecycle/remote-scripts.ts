/**
 * The shell scripts lifecycle commands run on nodes through SSM Run Command, kept as files in
 * `scripts/` (shellchecked as files) and read next to this module at run time.
 *
 * What differs per Plan or per run (package version, backup id, bucket) reaches a script as a header
 * of quoted `NAME='value'` assignments below its shebang, never spliced into its body. The script
 * keeps its `#!/usr/bin/env bash` line: AWS-RunShellScript executes the file it writes the commands
 * to, so the kernel honours the shebang; without one, `sh` (dash on Ubuntu) would run it, and dash
 * refuses `set -o pipefail`.
 */

import { readFileSync } from 'node:fs';
import { withHeader } from '../config/boot-script.js';
import { withoutComments } from '../config/user-data.js';

/** The shell files in `scripts/`, by what each one does on a node. */
export const REMOTE_SCRIPT_FILES = {
  /** Functions the upgrade scripts share (a library, rendered into each script that uses it). */
  packageFunctions: 'gitlab-package.sh',
  upgradeGitaly: 'upgrade-gitaly.sh',
  upgradePraefect: 'upgrade-praefect.sh',
  upgradeDeployRailsNode: 'upgrade-deploy-rails-node.sh',
  postDeploymentMigrations: 'run-post-deployment-migrations.sh',
  upgradeMonitoring: 'upgrade-monitoring.sh',
  upgradeSingleNode: 'upgrade-single-node.sh',
  checkBackgroundMigrations: 'upgrade-check-background-migrations.sh',
  checkGitalyCluster: 'upgrade-check-gitaly-cluster.sh',
  waitForReadiness: 'upgrade-wait-readiness.sh',
  stopPumaAndSidekiq: 'stop-puma-and-sidekiq.sh',
  restorePreflight: 'restore-preflight.sh',
  installSecretsJson: 'install-secrets-json.sh',
  restoreBackup: 'restore-backup.sh',
  startGitlab: 'start-gitlab.sh',
  sendTestMail: 'send-test-mail.sh',
  checkRestoredGitlab: 'check-restored-gitlab.sh',
  createRunnerAdminToken: 'create-runner-admin-token.sh',
} as const;

export type RemoteScriptFile = (typeof REMOTE_SCRIPT_FILES)[keyof typeof REMOTE_SCRIPT_FILES];

/** The text of a file in `scripts/`, found next to this module (src under tests, dist when built). */
export function readRemoteScript(file: RemoteScriptFile): string {
  return readFileSync(new URL(`./scripts/${file}`, import.meta.url), 'utf8');
}

/** A file without its first line (the shebang of a script, the shell directive of a library). */
const afterFirstLine = (text: string) => text.slice(text.indexOf('\n') + 1);

/**
 * The command lines SSM runs for one script: its shebang, the header with `values`, the libraries
 * it uses, then its body. Comment lines go (the commented copy is the file); SSM joins the lines.
 */
export function remoteScript(
  file: RemoteScriptFile,
  values: Readonly<Record<string, string | number>> = {},
  libraries: readonly RemoteScriptFile[] = [],
): string[] {
  const script = readRemoteScript(file);
  const [shebang] = script.split('\n', 1);
  const text = [
    `${shebang}\n`,
    ...libraries.map((library) => afterFirstLine(readRemoteScript(library))),
    afterFirstLine(script),
  ].join('');
  return withoutComments(withHeader(text, values))
    .split('\n')
    .filter((line) => line.trim() !== '');
}
