import type { SpecInput } from './schema.js';

/**
 * The spec `plan` uses when there is no spec file: GitLab's 3k reference architecture over three
 * availability zones, which is where GitLab's docs start recommending high availability.
 */
export const EMBEDDED_DEFAULT_SPEC: SpecInput = {
  name: 'gitlab',
  region: 'us-west-2',
  availabilityZones: 3,
  architecture: { size: '3k', type: 'linux-package', cpu: 'x86' },
  domain: { name: 'gitlab.example.com', hostedZone: 'example.com' },
};
