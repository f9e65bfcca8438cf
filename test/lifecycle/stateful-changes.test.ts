import { readFileSync } from 'node:fs';
import { fullDiff } from '@aws-cdk/cloudformation-diff';
import { describe, expect, it } from 'vitest';
import { renderDiffReport } from '../../src/lifecycle/diff-report.js';
import {
  findExportChanges,
  findStatefulChanges,
  unapprovedStatefulChanges,
} from '../../src/lifecycle/stateful-changes.js';
import { styleFor } from '../../src/lifecycle/style.js';

const template = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/lifecycle/templates/${name}.json`, import.meta.url), 'utf8'));

// The same diff the toolkit hands back per stack (template-only analysis, no change set).
const diffs = { 'gl-prod-data': fullDiff(template('before'), template('after')) };

describe('findStackMoves', () => {
  const bucket = (name: string) => ({
    Type: 'AWS::S3::Bucket',
    DeletionPolicy: 'Retain',
    Properties: { BucketName: name },
  });
  const before = {
    data: { Resources: { Logs: bucket('gl-prod-logs'), Other: bucket('gl-prod-other') } },
    network: { Resources: {} },
  };
  const after = {
    data: { Resources: { Other: bucket('gl-prod-other') } },
    network: { Resources: { AccessLogs: bucket('gl-prod-logs'), Fresh: bucket('gl-prod-fresh') } },
  };
  const diffs = {
    'gl-prod-network': fullDiff(before.network, after.network),
    'gl-prod-data': fullDiff(before.data, after.data),
  };

  it('flags a named resource one stack keeps and another creates under the same name', () => {
    expect(findStatefulChanges(diffs)).toEqual([
      expect.objectContaining({
        stackName: 'gl-prod-network',
        logicalId: 'AccessLogs',
        action: 'move',
        from: { stackName: 'gl-prod-data', logicalId: 'Logs' },
      }),
    ]);
  });

  it('refuses a move whatever --allow-replace names, and says why in the diff', () => {
    const changes = findStatefulChanges(diffs);
    expect(unapprovedStatefulChanges(changes, ['AccessLogs', 'Logs'])).toHaveLength(1);
    const lines = renderDiffReport({
      diffs,
      statefulChanges: changes,
      allowReplace: ['AccessLogs'],
      style: styleFor(false),
    });
    expect(lines).toContain(
      '  [+] AWS::S3::Bucket AccessLogs: create -- DATA LOSS: moves from gl-prod-data Logs, which CloudFormation cannot do in place; holds object storage (artifacts, LFS, uploads, backups...)',
    );
    expect(lines.at(-1)).toBe(
      '1 stateful resource(s) would move between stacks; deploy refuses that whatever the flags: AccessLogs',
    );
  });

  it('does not take a new resource of another name, or one within one stack, for a move', () => {
    const renamed = {
      'gl-prod-data': fullDiff(before.data, {
        Resources: { Logs2: bucket('gl-prod-logs'), Other: bucket('gl-prod-other') },
      }),
    };
    expect(findStatefulChanges(renamed)).toEqual([]);
    expect(findStatefulChanges({ 'gl-prod-network': diffs['gl-prod-network'] })).toEqual([]);
  });
});

describe('findStackMoves: the version and image parameters the network stack took from the data stack', () => {
  const parameter = (name: string, value: string) => ({
    Type: 'AWS::SSM::Parameter',
    Properties: { Name: name, Type: 'String', Value: value },
  });
  const before = {
    data: {
      Resources: {
        GitLabVersion: parameter('/gl-prod/gitlab-version', '19.3.0'),
        UbuntuImagex8664: parameter('/gl-prod/ubuntu-image/x86_64', '{{resolve:ssm:/aws/service/x}}'),
      },
    },
    network: { Resources: {} },
    compute: { Resources: { RailsGitlabRb: parameter('/gl-prod/node-configuration/rails/gitlab-rb', 'a') } },
  };
  const after = {
    data: { Resources: {} },
    network: { Resources: before.data.Resources },
    compute: { Resources: {} },
  };
  const diffs = {
    'gl-prod-network': fullDiff(before.network, after.network),
    'gl-prod-data': fullDiff(before.data, after.data),
    'gl-prod-compute': fullDiff(before.compute, after.compute),
  };

  it('says an environment of the older layout cannot take the move in place, and that the data stack deletes them', () => {
    const changes = findStatefulChanges(diffs);
    expect(changes.filter((change) => change.action === 'move')).toEqual([
      expect.objectContaining({
        stackName: 'gl-prod-network',
        logicalId: 'GitLabVersion',
        from: { stackName: 'gl-prod-data', logicalId: 'GitLabVersion' },
      }),
      expect.objectContaining({
        stackName: 'gl-prod-network',
        logicalId: 'UbuntuImagex8664',
        from: { stackName: 'gl-prod-data', logicalId: 'UbuntuImagex8664' },
      }),
    ]);
    expect(changes.filter((change) => change.action === 'delete').map((change) => change.logicalId)).toEqual([
      'GitLabVersion',
      'UbuntuImagex8664',
    ]);
    expect(unapprovedStatefulChanges(changes, ['GitLabVersion', 'UbuntuImagex8664'])).toHaveLength(2);
  });

  it('takes no node configuration parameter for data: the compute stack renders it anew', () => {
    expect(findStatefulChanges(diffs).map((change) => change.logicalId)).not.toContain('RailsGitlabRb');
  });
});

describe('findStatefulChanges', () => {
  const changes = findStatefulChanges(diffs);
  const byId = Object.fromEntries(changes.map((change) => [change.logicalId, change]));

  it('flags replacement of the database, a Gitaly instance and gitlab-secrets.json', () => {
    expect(byId['Database']).toMatchObject({ action: 'replace', resourceType: 'AWS::RDS::DBInstance' });
    expect(byId['Gitaly1']).toMatchObject({ action: 'replace', resourceType: 'AWS::EC2::Instance' });
    expect(byId['GitlabSecretsJson']).toMatchObject({ action: 'replace' });
  });

  it('flags deletion of a bucket and of a Gitaly volume', () => {
    expect(byId['ArtifactsBucket']).toMatchObject({ action: 'delete', resourceType: 'AWS::S3::Bucket' });
    expect(byId['GitalyVolume2']).toMatchObject({ action: 'delete', resourceType: 'AWS::EC2::Volume' });
  });

  it('ignores in-place updates, retained removals and instances without a data volume', () => {
    expect(Object.keys(byId).sort()).toEqual([
      'ArtifactsBucket',
      'Database',
      'Gitaly1',
      'GitalyVolume2',
      'GitlabSecretsJson',
    ]);
    expect(byId['Praefect1']).toBeUndefined(); // replaced, but holds no repositories
    expect(byId['LfsBucket']).toBeUndefined(); // DeletionPolicy Retain: orphaned, not deleted
    expect(byId['Redis']).toBeUndefined(); // node type change is an in-place update
    expect(byId['RootPasswordSecret']).toBeUndefined(); // description only
  });

  it('recognises a Gitaly instance by its VolumeAttachment', () => {
    const before = {
      Resources: {
        Node: { Type: 'AWS::EC2::Instance', Properties: { ImageId: 'ami-1' } },
        Attach: {
          Type: 'AWS::EC2::VolumeAttachment',
          Properties: { InstanceId: { Ref: 'Node' }, VolumeId: 'vol-1', Device: '/dev/sdf' },
        },
      },
    };
    const after = structuredClone(before);
    after.Resources.Node.Properties.ImageId = 'ami-2';
    const found = findStatefulChanges({ compute: fullDiff(before, after) });
    expect(found.map((change) => change.logicalId)).toEqual(['Node']);
  });

  it('does not call an instance replaced when only its user data changes (stop and start)', () => {
    const node = (userData: string, imageId = 'ami-1') => ({
      Resources: {
        Node: {
          Type: 'AWS::EC2::Instance',
          Properties: { ImageId: imageId, UserData: userData, Volumes: [{ Device: '/dev/sdf' }] },
        },
      },
    });
    expect(findStatefulChanges({ compute: fullDiff(node('a'), node('b')) })).toEqual([]);
    const both = findStatefulChanges({ compute: fullDiff(node('a'), node('b', 'ami-2')) });
    expect(both.map((change) => change.logicalId)).toEqual(['Node']);
  });

  it('lets --allow-replace approve named changes only', () => {
    const left = unapprovedStatefulChanges(changes, ['Database', 'NotInTheDiff']);
    expect(left.map((change) => change.logicalId)).not.toContain('Database');
    expect(left).toHaveLength(changes.length - 1);
  });
});

describe('renderDiffReport', () => {
  const statefulChanges = findStatefulChanges(diffs);

  it('marks stateful changes in red and names the flag that allows them', () => {
    const lines = renderDiffReport({ diffs, statefulChanges, allowReplace: [], style: styleFor(true) });
    const databaseLine = lines.find((line) => line.includes(' Database:'))!;
    expect(databaseLine.startsWith('\x1b[31m')).toBe(true);
    expect(databaseLine).toContain('replace -- DATA LOSS: holds the PostgreSQL database');
    const praefectLine = lines.find((line) => line.includes('Praefect1'))!;
    expect(praefectLine).toBe('  [-/+] AWS::EC2::Instance Praefect1: replace');
    expect(lines.at(-1)).toContain('--allow-replace Database');
  });

  it('says when a stateful change is allowed', () => {
    const lines = renderDiffReport({
      diffs,
      statefulChanges,
      allowReplace: statefulChanges.map((change) => change.logicalId),
      style: styleFor(false),
    });
    expect(lines.find((line) => line.includes(' Database:'))).toContain('allowed by --allow-replace');
    expect(lines.some((line) => line.includes('deploy refuses'))).toBe(false);
  });
});

/** A producer exporting security groups by name, and a consumer importing one of them. */
function exportingStacks(exports: Record<string, unknown>, imported: string[]) {
  const producer = {
    Resources: { Vpc: { Type: 'AWS::EC2::VPC', Properties: {} } },
    Outputs: Object.fromEntries(
      Object.entries(exports).map(([name, value]) => [
        name,
        { Value: value, Export: { Name: `network:${name}` } },
      ]),
    ),
  };
  const consumer = {
    Resources: Object.fromEntries(
      imported.map((name) => [
        `Uses${name}`,
        {
          Type: 'AWS::EC2::Instance',
          Properties: { SecurityGroupIds: [{ 'Fn::ImportValue': `network:${name}` }] },
        },
      ]),
    ),
  };
  return { producer, consumer };
}

describe('findExportChanges', () => {
  const before = exportingStacks({ Bastion: { Ref: 'BastionSg' }, Rails: { Ref: 'RailsSg' } }, [
    'Bastion',
    'Rails',
  ]);

  it('flags an export removed while the deployed consumer imports it, naming the consumer', () => {
    const after = exportingStacks({ Rails: { Ref: 'RailsSg' } }, ['Rails']);
    const diffs = {
      network: fullDiff(before.producer, after.producer),
      compute: fullDiff(before.consumer, after.consumer),
    };
    expect(findExportChanges(diffs)).toEqual([
      { stackName: 'network', exportName: 'network:Bastion', action: 'remove', importedBy: ['compute'] },
    ]);
  });

  it('flags an export whose value changes, and nothing when exports stay', () => {
    const changed = exportingStacks({ Bastion: { Ref: 'OtherSg' }, Rails: { Ref: 'RailsSg' } }, [
      'Bastion',
      'Rails',
    ]);
    const diffs = { network: fullDiff(before.producer, changed.producer) };
    expect(findExportChanges(diffs)).toMatchObject([{ exportName: 'network:Bastion', action: 'change' }]);
    expect(findExportChanges({ network: fullDiff(before.producer, before.producer) })).toEqual([]);
  });

  it('is reported by gitlab-aws diff in red', () => {
    const after = exportingStacks({ Rails: { Ref: 'RailsSg' } }, ['Rails']);
    const exportDiffs = {
      network: fullDiff(before.producer, after.producer),
      compute: fullDiff(before.consumer, after.consumer),
    };
    const lines = renderDiffReport({
      diffs: exportDiffs,
      statefulChanges: [],
      allowReplace: [],
      exportChanges: findExportChanges(exportDiffs),
      style: styleFor(true),
    });
    const line = lines.find((candidate) => candidate.includes('network:Bastion'))!;
    expect(line.startsWith('\x1b[31m')).toBe(true);
    expect(line).toContain('would be removed while compute imports it');
  });
});
