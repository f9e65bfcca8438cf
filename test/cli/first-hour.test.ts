/**
 * A new user's first hour, through the installed binary: every mistake is exit 2 with the flag or
 * field and the fix, nothing is written where it was not asked for, and nothing is called a bug
 * that is not one. The runs start together in beforeAll so that they share the machine's cores.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runBinaryAsync, runCli, tempDir } from './run-cli.js';

const SPEC =
  'name: gl-first\nregion: eu-west-1\ndomain: { name: git.example.org, hostedZone: example.org }\n';
const AURORA = `${SPEC}database: { engine: aurora-postgresql }\n`;
const NO_STACK_TRACE = /\bat .*\.js:\d+|Node\.js v\d+|internal error/;

function dirWith(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const dirs = {
  empty: tempDir(),
  initNoDir: tempDir(),
  initIntoDir: tempDir(),
  initStdout: tempDir(),
  synthEmpty: tempDir(),
  withSpec: dirWith({ 'gitlab-aws.yaml': `${SPEC}architecture: { size: 5k }\n` }),
  yml: dirWith({ 'gitlab-aws.yml': SPEC.replace('gl-first', 'gl-yml') }),
  both: dirWith({ 'gitlab-aws.yml': SPEC, 'gitlab-aws.yaml': SPEC }),
  bomb: dirWith({
    'bomb.yaml': `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n${SPEC}`,
  }),
  version: dirWith({ 'gitlab-aws.yaml': `${SPEC}gitlab: { version: 19.3 }\n` }),
  aurora: dirWith({ 'gitlab-aws.yaml': AURORA }),
  rps: dirWith({ 'gitlab-aws.yaml': `${SPEC}architecture: { rps: { api: 80, web: 5, git: 3 } }\n` }),
  rpsAndSize: dirWith({
    'gitlab-aws.yaml': `${SPEC}architecture: { size: 3k, rps: { api: 80, web: 5, git: 3 } }\n`,
  }),
  prices: dirWith({ 'prices.json': 'region,price\nus-west-2,0.1\n', 'out-file': 'keep me\n' }),
};
mkdirSync(join(dirs.initIntoDir, 'specs'));

const runs = {
  diagram: () => runBinaryAsync(['plan', '--diagram', 'nodir/x.svg'], { cwd: dirs.empty }),
  initNoDir: () => runBinaryAsync(['init', '-o', 'nodir/x.yaml'], { cwd: dirs.initNoDir }),
  initIntoDir: () => runBinaryAsync(['init', '-o', 'specs'], { cwd: dirs.initIntoDir }),
  initStdout: () => runBinaryAsync(['init', '-o', '-', '--size', '5k'], { cwd: dirs.initStdout }),
  synthOutFile: () => runBinaryAsync(['synth', '--out', 'out-file'], { cwd: dirs.prices }),
  synthOutEmpty: () => runBinaryAsync(['synth', '--out', ''], { cwd: dirs.synthEmpty }),
  prices: () => runBinaryAsync(['cost', '--prices', 'prices.json'], { cwd: dirs.prices }),
  hybrid1k: () => runBinaryAsync(['plan', '--size', '1k', '--type', 'cloud-native-hybrid']),
  bomb: () => runBinaryAsync(['plan', '-c', 'bomb.yaml'], { cwd: dirs.bomb }),
  planClosedStdout: () => runBinaryAsync(['plan', '--size', '50k'], { closeStdout: true }),
  ymlJson: () => runBinaryAsync(['plan', '--json'], { cwd: dirs.yml }),
  both: () => runBinaryAsync(['plan'], { cwd: dirs.both }),
  badSize: () => runBinaryAsync(['plan', '--size', '3x'], { cwd: dirs.withSpec }),
  helpPlan: () => runBinaryAsync(['help', 'plan']),
  version: () => runBinaryAsync(['plan'], { cwd: dirs.version }),
  costErrors: () => runBinaryAsync(['cost'], { cwd: dirs.aurora }),
  rps: () => runBinaryAsync(['plan'], { cwd: dirs.rps }),
  rpsFlag: () => runBinaryAsync(['plan', '--rps', 'api=80,web=5,git=3'], { cwd: dirs.withSpec }),
  rpsAndSize: () => runBinaryAsync(['plan'], { cwd: dirs.rpsAndSize }),
  rpsBadFlag: () => runBinaryAsync(['plan', '--rps', 'api=x,web=1,git=1'], { cwd: dirs.withSpec }),
} as const;

const results = {} as Record<keyof typeof runs, CliResult>;

beforeAll(async () => {
  const names = Object.keys(runs) as (keyof typeof runs)[];
  // Two at a time: the machine's two cores, without starving the other test files.
  for (let index = 0; index < names.length; index += 2) {
    const batch = names.slice(index, index + 2);
    const done = await Promise.all(batch.map((name) => runs[name]()));
    batch.forEach((name, at) => {
      results[name] = done[at]!;
    });
  }
}, 120_000);

describe('paths the user names', () => {
  it('plan --diagram into a missing directory: exit 2 naming the flag, nothing written', () => {
    expect(results.diagram).toMatchObject({ code: 2, stdout: '' });
    expect(results.diagram.stderr).toMatch(
      /--diagram nodir\/x\.svg: its directory does not exist; create it/,
    );
    expect(results.diagram.stderr).not.toMatch(NO_STACK_TRACE);
    expect(readdirSync(dirs.empty)).toEqual([]);
  });

  it('init -o into a missing directory, or onto a directory: exit 2, nothing written', () => {
    expect(results.initNoDir).toMatchObject({ code: 2, stdout: '' });
    expect(results.initNoDir.stderr).toMatch(/^error: --out nodir\/x\.yaml: its directory does not exist/);
    expect(readdirSync(dirs.initNoDir)).toEqual([]);
    expect(results.initIntoDir).toMatchObject({ code: 2, stdout: '' });
    expect(results.initIntoDir.stderr).toMatch(/^error: --out specs: is a directory; name a file inside it/);
    expect(readdirSync(join(dirs.initIntoDir, 'specs'))).toEqual([]);
  });

  it('init -o - writes the spec to standard output, not to a file named -', () => {
    expect(results.initStdout.code).toBe(0);
    expect(results.initStdout.stdout).toMatch(/^name: /m);
    expect(results.initStdout.stdout).toMatch(/size: 5k/);
    expect(readdirSync(dirs.initStdout)).toEqual([]);
  });

  it('synth --out naming a file, or empty: exit 2 naming the flag, the file and the directory untouched', () => {
    expect(results.synthOutFile).toMatchObject({ code: 2, stdout: '' });
    expect(results.synthOutFile.stderr).toMatch(/--out out-file: is a file, not a directory/);
    expect(readFileSync(join(dirs.prices, 'out-file'), 'utf8')).toBe('keep me\n');
    expect(results.synthOutEmpty).toMatchObject({ code: 2, stdout: '' });
    expect(results.synthOutEmpty.stderr).toMatch(/--out needs a directory name/);
    expect(readdirSync(dirs.synthEmpty)).toEqual([]);
  });

  it('cost --prices on a file that is not JSON, check --ca on a missing file: exit 2 naming the flag', async () => {
    expect(results.prices).toMatchObject({ code: 2, stdout: '' });
    expect(results.prices.stderr).toMatch(/^error: --prices prices\.json: not JSON .*name a JSON file/m);
    // In-process: check loads the AWS SDK, whose start-up a binary run would pay again.
    const ca = await runCli(['check', '--url', 'https://git.example.org', '--ca', 'nofile.pem']);
    expect(ca).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: --ca nofile.pem: no such file; check the path\n',
    });
  });
});

describe('spec mistakes', () => {
  it('a hybrid below 2k is a spec error naming the flag and the sizes that work', () => {
    expect(results.hybrid1k).toMatchObject({ code: 2, stdout: '' });
    expect(results.hybrid1k.stderr).toMatch(
      /^--type: architecture\.type: "cloud-native-hybrid" is not available at architecture\.size 1k: .*2k or larger/,
    );
  });

  it('a YAML alias bomb is refused as the file it came from, exit 2', () => {
    expect(results.bomb).toMatchObject({ code: 2, stdout: '' });
    expect(results.bomb.stderr).toMatch(/^bomb\.yaml: invalid YAML: .*alias.*write the values out/);
    expect(results.bomb.stderr).not.toMatch(NO_STACK_TRACE);
  });

  it('a bad --size is blamed on the flag, not on a line of the spec file', () => {
    expect(results.badSize).toMatchObject({ code: 2, stdout: '' });
    expect(results.badSize.stderr).toMatch(/^--size: architecture\.size: "3x" is not allowed/);
  });

  it('an unquoted version says how to write it', () => {
    expect(results.version).toMatchObject({ code: 2, stdout: '' });
    expect(results.version.stderr).toMatch(
      /^gitlab-aws\.yaml:4:\d+: gitlab\.version: expected string, got number 19\.3; 19\.3 is a number in YAML: quote it, "19\.3\.0"/,
    );
  });
});

describe('which spec', () => {
  it('finds gitlab-aws.yml and says on standard error which spec it uses', () => {
    expect(results.ymlJson.code).toBe(0);
    expect(JSON.parse(results.ymlJson.stdout).spec.name).toBe('gl-yml');
    expect(results.ymlJson.stderr).toContain(`Spec: ${join(dirs.yml, 'gitlab-aws.yml')}\n`);
  });

  it('refuses gitlab-aws.yaml and gitlab-aws.yml side by side, naming both', () => {
    expect(results.both).toMatchObject({ code: 2, stdout: '' });
    expect(results.both.stderr).toMatch(
      /^gitlab-aws\.yaml and gitlab-aws\.yml: both exist.*-c gitlab-aws\.yaml/,
    );
  });

  it('deploy refuses the embedded default unless asked for by name, before touching AWS', async () => {
    // In-process, as the commands below: they load the AWS SDK, whose start-up a binary run pays again.
    const deploy = await runCli(['deploy'], { cwd: dirs.empty });
    expect(deploy).toMatchObject({ code: 2, stdout: '' });
    expect(deploy.stderr).toMatch(
      /^error: no spec file \(gitlab-aws\.yaml or gitlab-aws\.yml\) in .*gitlab-aws init.*--use-embedded-default/,
    );
  });

  it.each([
    ['upgrade', '--to', '19.4.0'],
    ['restore', '1767225600_2026_01_01_19.3.0-ee'],
    ['backup', 'create'],
    ['destroy'],
  ])('%s refuses the embedded default too', async (...args) => {
    const result = await runCli(args, { cwd: tempDir() });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain('--use-embedded-default');
  });
});

describe('output', () => {
  it('a closed standard output ends the command quietly with exit 0 (one handler for every command)', () => {
    expect(results.planClosedStdout.code).toBe(0);
    expect(results.planClosedStdout.stderr).not.toMatch(/EPIPE|Node\.js|Error/);
  });

  it('the destroy preview says what will be deleted, not what was', async () => {
    const preview = await runCli(['destroy', '--use-embedded-default'], { cwd: dirs.empty });
    expect(preview.code).toBe(2);
    expect(preview.stdout).toMatch(/^Will delete \(gitlab-/m);
    expect(preview.stdout).toMatch(/^Will keep \(/m);
    expect(preview.stdout).not.toMatch(/^(Deleted|Kept) /m);
  });

  it('help plan prints the plan usage, not the top-level help', () => {
    expect(results.helpPlan.code).toBe(0);
    expect(results.helpPlan.stdout).toContain('Usage: gitlab-aws plan');
    expect(results.helpPlan.stdout).not.toContain('Commands:');
  });

  it('cost of a plan with errors still shows the bill, but says so and exits 1', () => {
    expect(results.costErrors.code).toBe(1);
    expect(results.costErrors.stdout).toContain('Bill of materials');
    expect(results.costErrors.stderr).toMatch(/^error: the plan has 1 error\(s\); run gitlab-aws plan/m);
  });

  it('cost warns when the bundled prices are more than six months old', () => {
    // The bundled table is dated; today is the real date (priceTableAgeWarning takes it as an argument).
    expect(results.costErrors.stderr).toMatch(
      /^warning: the AWS prices were retrieved \d{4}-\d\d-\d\d, more than 6 months/m,
    );
  });

  it('cost --csv rounds money to the cent', async () => {
    const result = await runCli(['cost', '--csv', '--size', '10k']);
    const rows = result.stdout.trim().split('\n').slice(1);
    expect(rows.length).toBeGreaterThan(10);
    // monthly_usd and monthly_committed_usd, the 8th and 9th cells (quoted cells may hold commas).
    const cells = (row: string) =>
      [...row.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].map((match) => match[1]);
    const money = rows.flatMap((row) => cells(row).slice(7, 9));
    expect(money.length).toBe(rows.length * 2);
    for (const cell of money) expect(cell).toMatch(/^\d+(\.\d{1,2})?$/);
  });
});

describe('sizing by peak requests per second', () => {
  const REASONING =
    /^ {2}sized by peak load \(architecture\.rps\): API 80, Web 5, Git 3 requests\/s; 3k is tested to API 60, Web 6, Git \(pull\) 6, below API 80; 5k to API 100, Web 10, Git \(pull\) 10$/m;

  it('architecture.rps in the spec plans the smallest size that covers it, and says why', () => {
    expect(results.rps.code).toBe(0);
    expect(results.rps.stdout).toMatch(/^ {2}5k reference architecture/m);
    expect(results.rps.stdout).toMatch(REASONING);
  });

  it('--rps replaces the size of the spec file, with the same reasoning', () => {
    // The file says 5k; the flag sizes it again, to the same 5k here, by the load.
    expect(results.rpsFlag.code).toBe(0);
    expect(results.rpsFlag.stdout).toMatch(REASONING);
  });

  it('a size and a load that disagree: exit 2 naming both fields, no plan printed', () => {
    expect(results.rpsAndSize).toMatchObject({ code: 2, stdout: '' });
    expect(results.rpsAndSize.stderr).toMatch(
      /: architecture\.size: is 3k, but architecture\.rps \(api 80, web 5, git 3\) sizes 5k: give one of architecture\.size and architecture\.rps/,
    );
    expect(results.rpsAndSize.stderr).not.toMatch(NO_STACK_TRACE);
  });

  it('a bad figure in --rps: exit 2 naming the flag and the field', () => {
    expect(results.rpsBadFlag).toMatchObject({ code: 2, stdout: '' });
    expect(results.rpsBadFlag.stderr).toBe('--rps: architecture.rps.api: expected number, got "x"\n');
  });
});
