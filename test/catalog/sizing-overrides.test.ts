import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  overrideFieldPath,
  SIZING_OVERRIDE_FIELDS,
  sizingOverrides,
  withoutSizingOverrides,
} from '../../src/catalog/sizing-overrides.js';
import type { RoleId } from '../../src/catalog/types.js';
import type { Plan } from '../../src/plan/types.js';
import { specSchema } from '../../src/spec/schema.js';
import { planFor, specFor } from '../fixtures/plans.js';
import { unwrap } from '../fixtures/zod.js';

/** Spec fields that name a machine: EC2 instance types, RDS classes, ElastiCache node types. */
const MACHINE_FIELD_NAMES = ['instanceType', 'instanceClass', 'nodeType'];

/** A valid, non-default value per override field, sized like a 10k reference role. */
const VALUES: Record<string, string> = {
  'rails.instanceType': 'c6i.16xlarge',
  'sidekiq.instanceType': 'm6i.2xlarge',
  'gitaly.instanceType': 'm6i.8xlarge',
  'database.instanceClass': 'db.m6i.8xlarge',
  'redis.nodeType': 'cache.m6g.2xlarge',
};

/** The roles of a 10k Plan each field sizes: one node type serves both of its ElastiCache instances. */
const SIZED_AT_10K: Record<string, readonly RoleId[]> = {
  'rails.instanceType': ['rails'],
  'sidekiq.instanceType': ['sidekiq'],
  'gitaly.instanceType': ['gitaly'],
  'database.instanceClass': ['postgres'],
  'redis.nodeType': ['redis-cache', 'redis-persistent'],
};

function overridesOf(path: string): Record<string, Record<string, string>> {
  const [section, key] = path.split('.') as [string, string];
  return { [section]: { [key]: VALUES[path]! } };
}

/** Every machine choice of a plan, by role. */
function machinesByRole(plan: Plan): [RoleId, string][] {
  return [
    ...plan.nodes.map((node): [RoleId, string] => [node.role, node.instanceType]),
    ...plan.services.flatMap((service): [RoleId, string][] =>
      service.kind === 'rds'
        ? [[service.role, service.instanceClass]]
        : service.kind === 'elasticache'
          ? [[service.role, service.nodeType]]
          : [],
    ),
  ];
}

describe('sizing overrides', () => {
  const paths = SIZING_OVERRIDE_FIELDS.map(overrideFieldPath);

  it('lists every spec field that names a machine', () => {
    const machineFields = Object.entries(specSchema.shape).flatMap(([section, schema]) => {
      const inner = unwrap(schema as z.ZodType);
      return inner instanceof z.ZodObject
        ? Object.keys(inner.shape)
            .filter((key) => MACHINE_FIELD_NAMES.includes(key))
            .map((key) => `${section}.${key}`)
        : [];
    });
    expect([...paths].sort()).toEqual(machineFields.sort());
  });

  it.each(paths)('%s sizes exactly its roles in a 10k Plan', (path) => {
    const plan = planFor({ architecture: { size: '10k' }, ...overridesOf(path) });
    const sized = machinesByRole(plan).filter(([role]) => SIZED_AT_10K[path]!.includes(role));
    expect(sized.length).toBeGreaterThan(0);
    for (const [role, machine] of sized) expect(machine, role).toBe(VALUES[path]);
    // Every other role keeps the reference's machine.
    const others = (candidate: Plan) =>
      machinesByRole(candidate).filter(([role]) => !SIZED_AT_10K[path]!.includes(role));
    expect(others(plan)).toEqual(others(planFor({ architecture: { size: '10k' } })));
  });

  it('reports the overrides a spec sets, with their fields, and none for the reference sizing', () => {
    const all = Object.assign({}, ...paths.map(overridesOf));
    expect(sizingOverrides(specFor(all)).map(({ field, instanceType }) => [field, instanceType])).toEqual(
      paths.map((path) => [path, VALUES[path]]),
    );
    expect(sizingOverrides(specFor({}))).toEqual([]);
  });

  it('removes every override and nothing else', () => {
    const spec = specFor({
      ...Object.assign({}, ...paths.map(overridesOf)),
      rails: { instanceType: VALUES['rails.instanceType']!, minNodes: 4 },
    });
    expect(withoutSizingOverrides(spec)).toEqual({ ...specFor({}), rails: { minNodes: 4 } });
  });
});
