/** The architecture-wide choices: Gitaly's layout and whether the whole is highly available. */
import { catalogRole } from '../../catalog/index.js';
import type { ReferenceArchitecture, SpecSize } from '../../catalog/types.js';
import type { Spec } from '../../spec/schema.js';

/** `auto` follows the page: Gitaly Cluster where it has Praefect, one Gitaly server otherwise. */
export function decideGitalyMode(
  spec: Spec,
  reference: ReferenceArchitecture<SpecSize>,
): 'single' | 'cluster' {
  if (spec.gitaly.mode !== 'auto') return spec.gitaly.mode;
  return catalogRole(reference, 'praefect') ? 'cluster' : 'single';
}

export function isHighlyAvailable(
  reference: ReferenceArchitecture<SpecSize>,
  gitalyMode: 'single' | 'cluster',
  spec: Spec,
): boolean {
  const webRole = spec.architecture.type === 'cloud-native-hybrid' ? 'webservice-pool' : 'rails';
  const railsMinimum = spec.rails.minNodes ?? catalogRole(reference, webRole)?.nodes ?? 1;
  return reference.highAvailability && gitalyMode === 'cluster' && railsMinimum >= 2;
}
