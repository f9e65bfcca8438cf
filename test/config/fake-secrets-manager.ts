/**
 * A stand-in for the AWS CLI's Secrets Manager calls the boot script makes, shared by several
 * "nodes" (processes) through one state directory, as the service is shared by the instances:
 *
 * - put-secret-value with a ClientRequestToken creates the version of that id once; the same
 *   request with the same value again is ignored, with another value it fails with
 *   ResourceExistsException (AWS Secrets Manager API reference, PutSecretValue, ClientRequestToken;
 *   the service model botocore 1.43.11 ships lists the error). Without a token the CLI sends a
 *   random one. The new version becomes AWSCURRENT.
 * - IAM, as the data stack grants it, lets a node write a first-boot secret only while it carries
 *   the pending tag (src/infra/data/secrets.ts): a write after untag-resource is AccessDenied,
 *   which IAM decides before the service looks at the request.
 * - get-secret-value answers AWSCURRENT's value, or the version named by --version-id.
 *
 * Requests are served one at a time (flock), as the service orders concurrent writes to a secret.
 * Knobs, as files in the state directory: `barrier-<n>` holds each put until n puts of that secret
 * have arrived (two nodes that both saw the secret unset, racing), `stale-<node>` makes that node's
 * next reads of AWSCURRENT answer what was stored before another node's put (its check came first),
 * `refuse` fails every put (throttled). Every call is appended to $AWS_TRACE, and every write's
 * outcome to `<state>/writes`.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The `aws` executable, next to this file. */
const STUB = readFileSync(new URL('./fake-secrets-manager.sh', import.meta.url), 'utf8');

export interface FakeSecretsManager {
  /** The state directory; put the stub's directory first on a node's PATH. */
  readonly state: string;
  /** The directory holding the `aws` executable. */
  readonly bin: string;
  /** A secret's versions, by version id. */
  versions(name: string): Record<string, string>;
  /** The value of AWSCURRENT. */
  current(name: string): string;
  /** Whether the secret still carries the first-boot pending tag. */
  pending(name: string): boolean;
  /** Each write's outcome, in order: `stored|ignored <secret> <node>` or `refused <secret> <error> <node>`. */
  writes(): string[];
}

const dirOf = (state: string, name: string) => join(state, 'secrets', name.replaceAll('/', '_'));

/** Creates the fake under `root` with `secrets` (name -> first value), each carrying the pending tag. */
export function fakeSecretsManager(
  root: string,
  secrets: Readonly<Record<string, string>>,
): FakeSecretsManager {
  const state = join(root, 'secrets-manager');
  const bin = join(root, 'fake-bin');
  mkdirSync(bin, { recursive: true });
  for (const [name, value] of Object.entries(secrets)) {
    const dir = dirOf(state, name);
    mkdirSync(join(dir, 'versions'), { recursive: true });
    // CloudFormation creates the secret with the placeholder under a version id of its own.
    writeFileSync(join(dir, 'versions', 'created-by-cloudformation-000000000000'), value);
    writeFileSync(join(dir, 'current'), 'created-by-cloudformation-000000000000');
    writeFileSync(join(dir, 'first'), 'created-by-cloudformation-000000000000');
    writeFileSync(join(dir, 'pending'), '');
  }
  writeFileSync(join(bin, 'aws'), STUB);
  chmodSync(join(bin, 'aws'), 0o755);
  return {
    state,
    bin,
    versions: (name) => {
      const dir = join(dirOf(state, name), 'versions');
      return Object.fromEntries(readdirSync(dir).map((id) => [id, readFileSync(join(dir, id), 'utf8')]));
    },
    current: (name) => {
      const dir = dirOf(state, name);
      return readFileSync(join(dir, 'versions', readFileSync(join(dir, 'current'), 'utf8')), 'utf8');
    },
    pending: (name) => readdirSync(dirOf(state, name)).includes('pending'),
    writes: () => {
      try {
        return readFileSync(join(state, 'writes'), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
  };
}
