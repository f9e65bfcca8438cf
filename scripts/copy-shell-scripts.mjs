#!/usr/bin/env node
// Copies the shell scripts the code reads at run time (src/<layer>/scripts/*.sh) to the same place
// under dist/, since tsc emits only JavaScript. A script removed from src/ is removed from dist/
// too, so the built package carries exactly the scripts its source has. Node only: runs wherever
// `npm run build` does.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

/** Every `scripts` folder under src/. */
function scriptFolders(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      return entry.name === 'scripts' ? [path] : scriptFolders(path);
    });
}

let copied = 0;
for (const folder of scriptFolders(src)) {
  const target = join(dist, relative(src, folder));
  mkdirSync(target, { recursive: true });
  const scripts = readdirSync(folder).filter((name) => name.endsWith('.sh'));
  for (const stale of readdirSync(target).filter((name) => name.endsWith('.sh') && !scripts.includes(name))) {
    rmSync(join(target, stale));
  }
  for (const name of scripts) {
    copyFileSync(join(folder, name), join(target, name));
    copied += 1;
  }
}
// Data the code reads at run time the same way: the gitlab.rb settings reference.
for (const folder of [join(src, 'catalog/gitlab-rb-reference')]) {
  const target = join(dist, relative(src, folder));
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync(folder).filter((file) => file.endsWith('.tsv'))) {
    copyFileSync(join(folder, name), join(target, name));
  }
}
if (copied === 0) {
  // The code reads these scripts at run time: a build without them would fail only when used.
  console.error('copy-shell-scripts: found no src/*/scripts/*.sh to copy');
  process.exit(1);
}
