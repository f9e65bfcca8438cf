#!/usr/bin/env node
// Builds dist/ from src/: tsc, then the shell scripts the code reads at run time. It notes in
// dist/.build-inputs the newest modification time among the build's inputs, read before tsc runs,
// so that `--if-stale` (what `npm test` runs first) skips a build that would change nothing: after
// `npm ci` has just built (its `prepare`), a second tsc pass costs a sixth of the test budget.
// A file edited while tsc runs is newer than the note, so the next `--if-stale` builds again.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const note = join(root, 'dist', '.build-inputs');

/** Everything the build reads: the sources, the compiler settings, the dependencies, this script. */
function inputs() {
  const walk = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
    );
  return [
    ...walk(join(root, 'src')),
    ...['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'].map((name) =>
      join(root, name),
    ),
    join(root, 'scripts', 'build.mjs'),
    join(root, 'scripts', 'copy-shell-scripts.mjs'),
  ].filter((path) => existsSync(path));
}

const newestInput = () => Math.max(...inputs().map((path) => statSync(path).mtimeMs));

if (process.argv.includes('--if-stale') && existsSync(note)) {
  const built = Number(readFileSync(note, 'utf8'));
  if (Number.isFinite(built) && newestInput() <= built) {
    console.log('dist/ is built from the current sources: no build needed');
    process.exit(0);
  }
}

const before = newestInput();
const run = (args) => {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
run([createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
run([join(root, 'scripts', 'copy-shell-scripts.mjs')]);
writeFileSync(note, `${before}\n`);
