import { describe, expect, it } from 'vitest';
import { BACKUP_NODE_SOURCE, backupNodeRole } from '../../src/catalog/backup-node.js';
import { POC_ARCHITECTURE, REFERENCE_ARCHITECTURES } from '../../src/catalog/index.js';

describe('the backup node in the catalog', () => {
  it("takes the Sidekiq row's machine of every Linux package size that has one, as one fixed node", () => {
    const linux = REFERENCE_ARCHITECTURES.filter((reference) => reference.type === 'linux-package');
    for (const reference of linux) {
      const sidekiq = reference.roles.find((role) => role.role === 'sidekiq');
      const role = backupNodeRole(reference);
      if (!sidekiq) {
        expect(role, reference.size).toBeUndefined();
        continue;
      }
      expect(role, reference.size).toMatchObject({
        role: 'backup',
        nodes: 1,
        backing: 'ec2',
        vcpu: sidekiq.vcpu,
        memoryGB: sidekiq.memoryGB,
        gcpMachineType: sidekiq.gcpMachineType,
        awsInstanceType: sidekiq.awsInstanceType,
        gravitonInstanceType: sidekiq.gravitonInstanceType,
      });
      // The reasoning, with the page it rests on.
      for (const part of ['persistent', 'backup_gitlab.md', 'Sidekiq node', 'serves no traffic'])
        expect(role!.note).toContain(part);
    }
    expect(linux.filter((reference) => backupNodeRole(reference)).map((reference) => reference.size)).toEqual(
      linux.filter((reference) => reference.size !== '1k').map((reference) => reference.size),
    );
  });

  it('gives none to Cloud Native Hybrid (the chart toolbox) or the poc', () => {
    for (const reference of REFERENCE_ARCHITECTURES.filter((entry) => entry.type === 'cloud-native-hybrid')) {
      expect(backupNodeRole(reference), reference.size).toBeUndefined();
    }
    expect(backupNodeRole(POC_ARCHITECTURE)).toBeUndefined();
  });

  it("cites GitLab's backup page by repository, path and commit", () => {
    expect(BACKUP_NODE_SOURCE).toEqual({
      repository: 'skratsch-solutions/gitlabhq',
      path: 'doc/administration/backup_restore/backup_gitlab.md',
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
  });
});
