/**
 * The Amazon CloudWatch agent as data: where its Ubuntu package and the key that signs it are, the
 * first release that reads the systemd journal, and the keys it documents for that.
 *
 * Sources, read in aws/amazon-cloudwatch-agent at commit ab55b8daa204e95c42c0267ee5aa49ec3b3a7317:
 * - translator/config/schema.json, `logsJournaldDefinition`: the keys of a
 *   `logs.logs_collected.journald.collect_list` entry;
 * - the journald collection ("Add journald log collection support", commit a58bb19fb5f5bc50daa8a618e768cfc156ba12a7)
 *   is first in tag v1.300070.0.
 * The download locations and the signing key's fingerprint are the ones the CloudWatch User Guide
 * gives ("Download and verify the CloudWatch agent package", docs.aws.amazon.com/AmazonCloudWatch/
 * latest/monitoring/verify-CloudWatch-Agent-Package-Signature.html).
 */
import type { CatalogCitation } from './gitlab-runner.js';

const AGENT_SOURCE = (path: string): CatalogCitation => ({
  repository: 'aws/amazon-cloudwatch-agent',
  path,
  commit: 'ab55b8daa204e95c42c0267ee5aa49ec3b3a7317',
});

export const CLOUDWATCH_AGENT = {
  /** Base of the agent's downloads: `<base>/ubuntu/<amd64|arm64>/latest/amazon-cloudwatch-agent.deb` and `.sig`. */
  downloadBase: 'https://amazoncloudwatch-agent.s3.amazonaws.com',
  /** The public key that signs the packages, under the base. */
  signingKeyPath: 'assets/amazon-cloudwatch-agent.gpg',
  /** Its fingerprint, which the boot compares before trusting a signature. */
  signingKeyFingerprint: '937616F3450B7D806CBD9725D58167303B789C72',
  /** The first release that collects from the systemd journal. */
  journaldSinceVersion: '1.300070.0',
  /** The control script the package installs. */
  ctl: '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl',
  source: AGENT_SOURCE('translator/config/schema.json'),
} as const;

/** Keys of one `logs.logs_collected.journald.collect_list` entry, as the agent's schema allows them. */
export const CLOUDWATCH_AGENT_JOURNALD_KEYS: readonly string[] = [
  'log_group_name',
  'log_stream_name',
  'log_group_class',
  'retention_in_days',
  'filters',
  'units',
  'priority',
  'matches',
];
