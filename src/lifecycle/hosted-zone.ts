/**
 * The public Route 53 hosted zone of the domain: `deploy` passes its id to the CDK app so a
 * requested ACM certificate validates itself through DNS, and the domain's alias record has a
 * zone to go in. A missing zone stops the deploy before anything is created.
 */
import { ListHostedZonesByNameCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { UserError } from '../errors.js';
import { publicZoneName } from '../plan/contracts.js';
import type { Plan } from '../plan/types.js';

/** Finds public hosted zones by name. */
export interface HostedZoneFinder {
  /** Id (without the `/hostedzone/` prefix) of the public zone named `zoneName`, if there is one. */
  publicZoneId(zoneName: string): Promise<string | undefined>;
}

export class Route53HostedZoneFinder implements HostedZoneFinder {
  constructor(private readonly route53: Route53Client) {}

  async publicZoneId(zoneName: string): Promise<string | undefined> {
    const fqdn = `${zoneName.replace(/\.$/, '')}.`;
    // Zones are listed in name order from DNSName on; a private zone may share the name.
    const answer = await this.route53.send(new ListHostedZonesByNameCommand({ DNSName: fqdn, MaxItems: 10 }));
    const zone = (answer.HostedZones ?? []).find(
      (candidate) => candidate.Name === fqdn && candidate.Config?.PrivateZone !== true,
    );
    return zone?.Id?.replace(/^\/hostedzone\//, '');
  }
}

/** The id of the Plan's public hosted zone; refuses in one line when the account has no such zone. */
export async function requireHostedZoneId(plan: Plan, finder: HostedZoneFinder): Promise<string> {
  const zoneName = publicZoneName(plan);
  const id = await finder.publicZoneId(zoneName);
  if (!id) {
    throw new UserError(
      `deploy refused: no public Route 53 hosted zone ${zoneName} in this account; create it, or set domain.hostedZone to the zone that holds ${plan.spec.domain.name}`,
    );
  }
  return id;
}
