/**
 * Which planned CloudFormation changes would lose data.
 *
 * CloudFormation replaces a resource by creating a new one and deleting the old one; for a
 * database, a Git volume, a bucket or gitlab-secrets.json that deletion is the data. `diff` shows
 * these changes in red and `deploy` refuses them unless each is named with `--allow-replace`.
 *
 * The input is the toolkit's per-stack template diff (`@aws-cdk/cloudformation-diff`'s
 * `TemplateDiff`, whose `changeImpact` already folds in the change set's replacement analysis).
 * It is described structurally here so the rules stay pure and testable with two templates.
 */
import { ROLE_TAG } from '../plan/contracts.js';

/** A resource as it appears in a CloudFormation template. */
export interface TemplateResource {
  readonly Type?: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
}

/** The parts of one resource difference the rules read. */
export interface ResourceChangeView {
  /** WILL_UPDATE, WILL_CREATE, WILL_REPLACE, MAY_REPLACE, WILL_DESTROY, WILL_ORPHAN, WILL_IMPORT or NO_CHANGE. */
  readonly changeImpact: string;
  readonly oldResourceType?: string;
  readonly newResourceType?: string;
  readonly oldValue?: TemplateResource;
  readonly newValue?: TemplateResource;
  /** Per-property differences, each with its own impact. */
  readonly propertyUpdates?: Readonly<Record<string, { readonly changeImpact?: string }>>;
}

/** An output as it appears in a CloudFormation template. */
export interface TemplateOutput {
  readonly Value?: unknown;
  readonly Export?: { readonly Name?: unknown };
}

/** The parts of one output difference the export rule reads. */
export interface OutputChangeView {
  readonly oldValue?: TemplateOutput;
  readonly newValue?: TemplateOutput;
}

/** The parts of a stack's template diff the rules read. */
export interface TemplateDiffView {
  readonly resources: { readonly changes: Readonly<Record<string, ResourceChangeView>> };
  /** Output differences; absent in diffs that carry resources only. */
  readonly outputs?: { readonly changes: Readonly<Record<string, OutputChangeView>> };
}

/** Impacts that delete the existing physical resource. WILL_ORPHAN keeps it (DeletionPolicy Retain). */
const DATA_LOSING_IMPACTS: Readonly<Record<string, StatefulChange['action']>> = {
  WILL_REPLACE: 'replace',
  MAY_REPLACE: 'may-replace',
  WILL_DESTROY: 'delete',
};

/** Whether a resource of a stateful type holds data; most always do, instances only with a data volume. */
type HoldsData = (logicalId: string, resource: TemplateResource, diff: TemplateDiffView) => boolean;

export interface StatefulResourceRule {
  /** CloudFormation resource type. */
  readonly resourceType: string;
  /** What is lost when it goes, in a few words. */
  readonly holds: string;
  /** Narrows the rule to the resources of the type that actually hold data. */
  readonly holdsData?: HoldsData;
}

/** The volume of a Gitaly node is either attached inline (`Volumes`), as a second block device, or by a VolumeAttachment. */
const instanceHoldsDataVolume: HoldsData = (logicalId, resource, diff) => {
  const props = resource.Properties ?? {};
  const inlineVolumes = Array.isArray(props['Volumes']) && props['Volumes'].length > 0;
  const blockDevices = Array.isArray(props['BlockDeviceMappings']) ? props['BlockDeviceMappings'] : [];
  const tags = Array.isArray(props['Tags']) ? (props['Tags'] as { Key?: unknown; Value?: unknown }[]) : [];
  const taggedGitaly = tags.some((tag) => tag.Key === ROLE_TAG && tag.Value === 'gitaly');
  const attached = Object.values(diff.resources.changes).some((change) => {
    const attachment = change.oldValue ?? change.newValue;
    if (attachment?.Type !== 'AWS::EC2::VolumeAttachment') return false;
    const instanceRef = attachment.Properties?.['InstanceId'] as { Ref?: unknown } | undefined;
    return instanceRef?.Ref === logicalId;
  });
  return inlineVolumes || blockDevices.length > 1 || taggedGitaly || attached;
};

/**
 * The environment's GitLab version and pinned image parameters (contracts.ts names them
 * `/<name>/gitlab-version` and `/<name>/ubuntu-image/<arch>`): `upgrade` writes them, so a new
 * parameter created in their place starts again from the template's value (an older version, or
 * whichever image Canonical calls current). The node configuration parameters are rendered anew
 * on every deploy and hold nothing of their own.
 */
function pinnedParameter(resource: TemplateResource): boolean {
  const name = resource.Properties?.['Name'];
  return typeof name === 'string' && /^\/[^/]+\/(gitlab-version|ubuntu-image\/[^/]+)$/.test(name);
}

/** Resource types whose replacement or deletion loses data. */
export const STATEFUL_RESOURCE_RULES: readonly StatefulResourceRule[] = [
  { resourceType: 'AWS::RDS::DBInstance', holds: 'the PostgreSQL database' },
  { resourceType: 'AWS::EC2::Volume', holds: 'Git repositories (Gitaly data volume)' },
  {
    resourceType: 'AWS::EC2::Instance',
    holds: 'a Gitaly node and its repository volume',
    holdsData: instanceHoldsDataVolume,
  },
  { resourceType: 'AWS::S3::Bucket', holds: 'object storage (artifacts, LFS, uploads, backups...)' },
  { resourceType: 'AWS::ElastiCache::ReplicationGroup', holds: 'Redis: sessions and queued Sidekiq jobs' },
  {
    resourceType: 'AWS::SecretsManager::Secret',
    holds: 'a secret GitLab cannot run without (gitlab-secrets.json, passwords, tokens)',
  },
  {
    resourceType: 'AWS::SSM::Parameter',
    holds: 'the GitLab version the database is migrated to, or the pinned Ubuntu image',
    holdsData: (_logicalId, resource) => pinnedParameter(resource),
  },
];

/** One change that would lose data. */
export interface StatefulChange {
  readonly stackName: string;
  readonly logicalId: string;
  readonly resourceType: string;
  /**
   * `may-replace` when CloudFormation only knows at deploy time (a changed reference); `move` when
   * the resource leaves another stack (`from`) for this one under the same name.
   */
  readonly action: 'replace' | 'may-replace' | 'delete' | 'move';
  readonly holds: string;
  /** For a move: the stack and logical id it leaves. */
  readonly from?: { readonly stackName: string; readonly logicalId: string };
}

/**
 * The property holding a stateful resource's physical name, where the templates set one: a
 * resource moving between stacks keeps it, which is how a move is told from a new resource.
 */
const PHYSICAL_NAME_PROPERTIES: Readonly<Record<string, string>> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
  'AWS::ElastiCache::ReplicationGroup': 'ReplicationGroupId',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::SSM::Parameter': 'Name',
};

/**
 * Stateful resources that one stack's diff removes (kept or deleted) while another stack's creates
 * one of the same type under the same physical name: a resource moving between stacks. A release
 * that moves one (the access-log bucket went from the data stack to the network stack) cannot
 * update an environment of the older layout in place: the new stack's create collides by name with
 * the resource the old stack keeps, and CloudFormation rolls the deploy back. Moving it needs an
 * import (`cdk import`) after the old stack lets it go, which no `--allow-replace` can stand for.
 * The same holds for the GitLab version and pinned image parameters, which went from the data stack
 * to the network stack: the network stack deploys first and its create collides by name with the
 * parameter the data stack still holds (SSM parameter names are unique in an account and region).
 */
export function findStackMoves(
  diffs: Readonly<Record<string, TemplateDiffView>>,
  rules: readonly StatefulResourceRule[] = STATEFUL_RESOURCE_RULES,
): StatefulChange[] {
  const nameOf = (resource: TemplateResource | undefined): string | undefined => {
    const property = resource?.Type ? PHYSICAL_NAME_PROPERTIES[resource.Type] : undefined;
    const value = property ? resource?.Properties?.[property] : undefined;
    return value === undefined ? undefined : `${resource!.Type} ${JSON.stringify(value)}`;
  };
  const leaving = new Map<string, { stackName: string; logicalId: string }>();
  for (const [stackName, diff] of Object.entries(diffs)) {
    for (const [logicalId, change] of Object.entries(diff.resources.changes)) {
      if (!['WILL_ORPHAN', 'WILL_DESTROY'].includes(change.changeImpact)) continue;
      const name = nameOf(change.oldValue);
      if (name) leaving.set(name, { stackName, logicalId });
    }
  }
  const found: StatefulChange[] = [];
  for (const [stackName, diff] of Object.entries(diffs)) {
    for (const [logicalId, change] of Object.entries(diff.resources.changes)) {
      if (change.changeImpact !== 'WILL_CREATE') continue;
      const name = nameOf(change.newValue);
      const from = name ? leaving.get(name) : undefined;
      if (!from || from.stackName === stackName) continue;
      const resourceType = change.newValue!.Type!;
      const rule = rules.find((candidate) => candidate.resourceType === resourceType);
      found.push({
        stackName,
        logicalId,
        resourceType,
        action: 'move',
        holds: rule?.holds ?? 'data',
        from,
      });
    }
  }
  return found;
}

/**
 * An instance whose only replace-or-not property change is its user data is stopped, updated and
 * started, not replaced: CloudFormation replaces only instance-store-backed instances for it
 * (AWS::EC2::Instance UserData, "Update requires: Some interruptions" for EBS-backed instances,
 * which every instance here is). The template diff cannot tell the two apart and says may-replace.
 */
function onlyRestartsInstance(change: ResourceChangeView): boolean {
  if (change.changeImpact !== 'MAY_REPLACE') return false;
  if ((change.oldResourceType ?? change.newResourceType) !== 'AWS::EC2::Instance') return false;
  const replacing = Object.entries(change.propertyUpdates ?? {}).filter(([, update]) =>
    ['MAY_REPLACE', 'WILL_REPLACE'].includes(update.changeImpact ?? ''),
  );
  return replacing.length > 0 && replacing.every(([property]) => property === 'UserData');
}

/** Every change across stacks that replaces or deletes a stateful resource. */
export function findStatefulChanges(
  diffs: Readonly<Record<string, TemplateDiffView>>,
  rules: readonly StatefulResourceRule[] = STATEFUL_RESOURCE_RULES,
): StatefulChange[] {
  const found: StatefulChange[] = [];
  for (const [stackName, diff] of Object.entries(diffs)) {
    for (const [logicalId, change] of Object.entries(diff.resources.changes)) {
      const action = DATA_LOSING_IMPACTS[change.changeImpact];
      if (!action || onlyRestartsInstance(change)) continue;
      const resourceType = change.oldResourceType ?? change.newResourceType ?? change.oldValue?.Type ?? '';
      const rule = rules.find((candidate) => candidate.resourceType === resourceType);
      const resource = change.oldValue ?? change.newValue ?? {};
      if (!rule || (rule.holdsData && !rule.holdsData(logicalId, resource, diff))) continue;
      found.push({ stackName, logicalId, resourceType, action, holds: rule.holds });
    }
  }
  return [...found, ...findStackMoves(diffs, rules)];
}

/**
 * The stateful changes `--allow-replace` does not name, and every move between stacks (which no
 * flag can make succeed in place): deploy refuses while this is non-empty.
 */
export function unapprovedStatefulChanges(
  changes: readonly StatefulChange[],
  allowReplace: readonly string[],
): StatefulChange[] {
  const allowed = new Set(allowReplace);
  return changes.filter((change) => change.action === 'move' || !allowed.has(change.logicalId));
}

/**
 * An export a deploy would take away from, or change under, the stacks importing it.
 *
 * CloudFormation updates a producer stack before its consumers, so while the producer updates the
 * consumers still run their deployed templates and import what it exported; it then refuses to
 * delete the export ("Export ... cannot be deleted as it is in use") or change its value ("Cannot
 * update export ... as it is in use"), and the deploy fails and rolls back. CDK creates an export
 * only for a cross-stack reference, so every export of a deployed stack has an importer.
 */
export interface ExportChange {
  readonly stackName: string;
  /** The export's name (`Fn::ImportValue` argument). */
  readonly exportName: string;
  readonly action: 'remove' | 'change';
  /** Stacks whose deployed resources import it, where the diff shows them; CDK's importer otherwise. */
  readonly importedBy: readonly string[];
}

/** Every export a deploy would remove or change while deployed stacks import it. */
export function findExportChanges(diffs: Readonly<Record<string, TemplateDiffView>>): ExportChange[] {
  const found: ExportChange[] = [];
  for (const [stackName, diff] of Object.entries(diffs)) {
    const newExports = new Map<string, unknown>();
    for (const change of Object.values(diff.outputs?.changes ?? {})) {
      const name = change.newValue?.Export?.Name;
      if (typeof name === 'string') newExports.set(name, change.newValue?.Value);
    }
    for (const change of Object.values(diff.outputs?.changes ?? {})) {
      const exportName = change.oldValue?.Export?.Name;
      if (typeof exportName !== 'string') continue;
      const action = !newExports.has(exportName)
        ? 'remove'
        : JSON.stringify(newExports.get(exportName)) !== JSON.stringify(change.oldValue?.Value)
          ? 'change'
          : undefined;
      if (!action) continue;
      const importedBy = Object.entries(diffs)
        .filter(
          ([consumer, consumerDiff]) => consumer !== stackName && importsExport(consumerDiff, exportName),
        )
        .map(([consumer]) => consumer);
      found.push({ stackName, exportName, action, importedBy });
    }
  }
  return found;
}

/** Whether a stack's deployed template, as far as its diff shows it, imports an export. */
function importsExport(diff: TemplateDiffView, exportName: string): boolean {
  const needle = JSON.stringify({ 'Fn::ImportValue': exportName });
  return Object.values(diff.resources.changes).some((change) =>
    JSON.stringify(change.oldValue ?? {}).includes(needle),
  );
}
