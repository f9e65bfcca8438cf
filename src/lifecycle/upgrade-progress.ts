/**
 * Where an upgrade records how far it got, so that running it again after a failed step resumes
 * at that step instead of starting over (a second backup, Gitaly nodes upgraded twice). One SSM
 * parameter per environment holds it, next to the version parameter; it is removed when the
 * upgrade finishes. It is only trusted for the same upgrade: the same versions and the same steps.
 */
import { createHash } from 'node:crypto';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';

export interface UpgradeProgressRecord {
  readonly from: string;
  readonly to: string;
  /** Digest of the step titles: a resumed run must have the same steps. */
  readonly steps: string;
  /** Steps completed, from the first. */
  readonly completed: number;
}

export interface UpgradeProgressStore {
  load(): Promise<UpgradeProgressRecord | undefined>;
  save(record: UpgradeProgressRecord): Promise<void>;
  clear(): Promise<void>;
}

/** The digest a progress record names its steps by. */
export function stepsDigest(titles: readonly string[]): string {
  return createHash('sha256').update(titles.join('\n')).digest('hex').slice(0, 16);
}

/** The environment's progress parameter. */
export const upgradeProgressParameterName = (environment: string) => `/${environment}/upgrade-progress`;

export class SsmUpgradeProgressStore implements UpgradeProgressStore {
  constructor(private readonly props: { readonly ssm: SSMClient; readonly environment: string }) {}

  private get name() {
    return upgradeProgressParameterName(this.props.environment);
  }

  async load(): Promise<UpgradeProgressRecord | undefined> {
    const answer = await this.props.ssm
      .send(new GetParameterCommand({ Name: this.name }))
      .catch((error: Error) => {
        if (error.name === 'ParameterNotFound') return undefined;
        throw error;
      });
    const value = answer?.Parameter?.Value;
    return value ? (JSON.parse(value) as UpgradeProgressRecord) : undefined;
  }

  async save(record: UpgradeProgressRecord): Promise<void> {
    await this.props.ssm.send(
      new PutParameterCommand({
        Name: this.name,
        Value: JSON.stringify(record),
        Type: 'String',
        Overwrite: true,
      }),
    );
  }

  async clear(): Promise<void> {
    await this.props.ssm.send(new DeleteParameterCommand({ Name: this.name })).catch((error: Error) => {
      if (error.name !== 'ParameterNotFound') throw error;
    });
  }
}
