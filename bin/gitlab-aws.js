#!/usr/bin/env node
// The AWS SDK warns on every run that its 2027 releases will need Node 22. gitlab-aws pins SDK
// versions that support Node 20, so that warning is noise in a CLI's output; others still print.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  const text = `${warning.name}: ${warning.message}`;
  if (!text.includes('NodeVersionSupportWarning')) process.stderr.write(`${text}\n`);
});

// aws-cdk-lib prints deprecation notices for its own internal calls (step scaling passes a
// cooldown itself); they are not actionable for a gitlab-aws user. Set JSII_DEPRECATED=warn to see them.
process.env.JSII_DEPRECATED ??= 'quiet';

const { main, processIo } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2), processIo());
