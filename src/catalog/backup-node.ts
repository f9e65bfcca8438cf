/**
 * The backup node: what GitLab asks of the machine that runs `gitlab-backup` in a multi-node Linux
 * package installation, and the machine this catalog gives it. GitLab's reference architectures have
 * no row for it, so its size is this catalog's choice, made from what the documentation does say.
 *
 * Sources (GitLab documentation, read in the GitHub mirror named):
 * - "Backup command": with several nodes, the backup command runs on one node that is persistent and
 *   not auto scaled, has the Rails application installed (running Puma or Sidekiq shows it is), and
 *   has enough storage and memory to produce the backup file. The backup command reaches the
 *   database directly, with extra parameters only behind PgBouncer, which RDS makes unneeded.
 *   skratsch-solutions/gitlabhq 0c6669526da9d644449ab36d4ec3a681976387e6,
 *   doc/administration/backup_restore/backup_gitlab.md.
 * - The archive holds what the backup does not skip: the gzip-compressed `pg_dump` of the database,
 *   and the repositories unless each Gitaly node streams its own to object storage
 *   (`REPOSITORIES_SERVER_SIDE`, "Create server-side repository backups"); the `copy` strategy
 *   would take up to one more times that space, and is not used here. Same page and commit.
 * - The machine: the documented Sidekiq node of every Linux package size (4 vCPU, 15 GB; m5.xlarge,
 *   Graviton m7g.xlarge in this catalog), which runs the same Rails code without serving traffic
 *   (skratsch-solutions/gitlabhq 06bbc8dc33553c380709d5395df4750a78017677,
 *   doc/administration/reference_architectures/<size>_users.md, the pages reference-architectures.ts
 *   reads). Its memory holds one Rails process for the rake task next to `pg_dump` and `gzip`.
 */
import type { CatalogRole, CatalogSource, ReferenceArchitecture, SpecSize } from './types.js';

/** Where GitLab states what the backup node must be. */
export const BACKUP_NODE_SOURCE: CatalogSource = {
  repository: 'skratsch-solutions/gitlabhq',
  path: 'doc/administration/backup_restore/backup_gitlab.md',
  commit: '0c6669526da9d644449ab36d4ec3a681976387e6',
};

/** Why the backup node is sized as it is, in this catalog's words. */
export const BACKUP_NODE_NOTE =
  "Not in GitLab's tables: gitlab-backup needs a persistent node with Rails installed and room for the " +
  'archive (backup_gitlab.md, "Backup command"). Sized as the page\'s Sidekiq node, which runs the same ' +
  'Rails code and serves no traffic.';

/**
 * The backup node of an architecture with Sidekiq nodes, which only the Linux package pages from 2k
 * have: that row's machine as one fixed node. Undefined for the others (1k runs the backup on its
 * only node, the poc on none; Cloud Native Hybrid has a Sidekiq pool and runs backups in the
 * chart's toolbox pod).
 */
export function backupNodeRole(reference: ReferenceArchitecture<SpecSize>): CatalogRole | undefined {
  const sidekiq = reference.roles.find((role) => role.role === 'sidekiq');
  if (!sidekiq?.awsInstanceType) return undefined;
  return {
    role: 'backup',
    nodes: 1,
    vcpu: sidekiq.vcpu,
    memoryGB: sidekiq.memoryGB,
    ...(sidekiq.gcpMachineType ? { gcpMachineType: sidekiq.gcpMachineType } : {}),
    awsInstanceType: sidekiq.awsInstanceType,
    ...(sidekiq.gravitonInstanceType ? { gravitonInstanceType: sidekiq.gravitonInstanceType } : {}),
    backing: 'ec2',
    note: BACKUP_NODE_NOTE,
  };
}
