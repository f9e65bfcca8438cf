#!/usr/bin/env node
// The AWS SDK warns on every run that its 2027 releases will need Node 22. gitlab-aws pins SDK
// versions that support Node 20, so that warning is noise in a CLI's output; others still print.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  const text = `${warning.name}: ${warning.message}`;
  if (!text.includes('NodeVersionSupportWarning')) process.stderr.write(`${text}\n`);
});

const { main, processIo } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2), processIo());
