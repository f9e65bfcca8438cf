#!/usr/bin/env node
// Makes sure the system tools the test suite runs for real are present: ruby (`ruby -c` on every
// rendered gitlab.rb), shellcheck (boot scripts), cloud-init (user data schema), PostgreSQL
// (database bootstrap SQL), redis-server with Ruby's redis client (Redis settings over TLS), curl and unzip. On a Debian machine where we are root they are installed with apt-get;
// anywhere else a missing tool is reported with the command that installs it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const hasPostgres = () =>
  existsSync('/usr/lib/postgresql') &&
  readdirSync('/usr/lib/postgresql').some((version) =>
    existsSync(`/usr/lib/postgresql/${version}/bin/initdb`),
  );

const TOOLS = [
  { name: 'ruby', present: () => has('ruby'), debianPackage: 'ruby' },
  { name: 'shellcheck', present: () => has('shellcheck'), debianPackage: 'shellcheck' },
  { name: 'cloud-init', present: () => has('cloud-init'), debianPackage: 'cloud-init' },
  { name: 'postgresql', present: hasPostgres, debianPackage: 'postgresql' },
  { name: 'redis-server', present: () => has('redis-server'), debianPackage: 'redis-server' },
  {
    name: 'ruby-redis',
    present: () => spawnSync('ruby', ['-e', 'require "redis"'], { stdio: 'ignore' }).status === 0,
    debianPackage: 'ruby-redis',
  },
  { name: 'openssl', present: () => has('openssl'), debianPackage: 'openssl' },
  // The readiness check sent through SSM runs with the machine's curl against test servers.
  { name: 'curl', present: () => has('curl'), debianPackage: 'curl' },
  // Helm comes zipped in the kubectl layer package; the chart tests unpack it.
  { name: 'unzip', present: () => has('unzip'), debianPackage: 'unzip' },
];

const missing = TOOLS.filter((tool) => !tool.present());
if (missing.length === 0) process.exit(0);
const packages = missing.map((tool) => tool.debianPackage);
const isRoot = process.getuid?.() === 0;
if (isRoot && has('apt-get')) {
  console.error(`Installing test tools with apt-get: ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const quiet = { stdio: ['ignore', 'ignore', 'inherit'], env };
  execFileSync('apt-get', ['update', '-qq'], quiet);
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], quiet);
  process.exit(0);
}
console.error(
  `The test suite needs ${missing.map((tool) => tool.name).join(', ')}. Install them, e.g.:\n  sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`,
);
process.exit(1);
