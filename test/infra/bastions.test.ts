import { describe, expect, it } from 'vitest';
import { ROLE_TAG } from '../../src/plan/contracts.js';
import { planFor } from '../fixtures/plans.js';
import { type Json, referencedLogicalId, resourcesOf, synthesize, tagOf } from './synth.js';

describe('bastions (3k)', () => {
  it('have a public address from launch, in a public subnet, before the Elastic IP that waits for their boot signal', () => {
    const synth = synthesize(planFor({ architecture: { size: '3k' }, access: { admin: 'bastion' } }));
    const instances = resourcesOf(synth.json.compute, 'AWS::EC2::Instance');
    const bastions = instances.filter(([, instance]) => tagOf(instance, ROLE_TAG) === 'bastion');
    expect(bastions).toHaveLength(2);
    const publicSubnets = resourcesOf(synth.json.network, 'AWS::EC2::Subnet')
      .filter(([, subnet]) => JSON.stringify(subnet.Properties!.Tags).includes('Public'))
      .map(([id]) => id);
    for (const [id, bastion] of bastions) {
      // The boot script needs the internet (AWS APIs, packages) before it can signal.
      expect(bastion.CreationPolicy, id).toBeDefined();
      const [nic] = bastion.Properties!.NetworkInterfaces as Json[];
      expect(nic.AssociatePublicIpAddress, id).toBe(true);
      expect(publicSubnets, id).toContain(referencedLogicalId(synth, nic.SubnetId));
    }
    // Nodes in private subnets keep no public address.
    for (const [id, instance] of instances.filter(
      ([, instance]) => tagOf(instance, ROLE_TAG) !== 'bastion',
    )) {
      expect(JSON.stringify(instance.Properties), id).not.toContain('AssociatePublicIpAddress');
    }
  });
});
