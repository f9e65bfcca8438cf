/**
 * The boot order (src/plan/boot-order.ts) and what the boot script and user data really do must be
 * one thing: the script's cross-machine waits name their artifact by the header variables the boot
 * order defines, and each boot target waits for exactly the artifacts the boot order says.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_HEADER, BOOT_SCRIPT, readScript, SCRIPT_FILES } from '../../src/config/boot-script.js';
import { targetRole } from '../../src/config/common.js';
import { bootTargets } from '../../src/config/index.js';
import { bootNeeds, renderUserDataParts } from '../../src/config/user-data.js';
import {
  type BootOrderPlan,
  planBootOrder,
  SCRIPT_WAIT_SECONDS_VARIABLE,
  SCRIPT_WAIT_VARIABLES,
} from '../../src/plan/boot-order.js';
import { NODE_BOOT } from '../../src/plan/contracts.js';
import { planDataEndpoints } from '../../src/plan/data-endpoints.js';
import type { Plan } from '../../src/plan/types.js';
import { allPlans } from '../fixtures/plans.js';
import { endpointsFor } from './support.js';

/** The artifact variable each `wait_for_artifact` call of a script names. */
function waitCalls(script: string): string[] {
  return [...script.matchAll(/^\s*[^#\n]*\bwait_for_artifact\s+"\$(\w+)"/gm)].map((match) => match[1]!);
}

describe('the boot script waits for what the boot order names', () => {
  it('polls for each artifact the boot order says the script waits for, and for no other', () => {
    // 10k waits for what a Gitaly Cluster needs; 1k for the target groups it registers with.
    const orders = allPlans()
      .filter(({ plan }) => ['10k', '1k'].includes(plan.architecture.size))
      .map(({ plan }) => planBootOrder(plan));
    const scriptKinds = new Set(
      orders.flatMap((order) =>
        order.waits
          .filter((wait) => wait.enforcedBy === 'boot-script')
          .map((wait) => order.artifacts.find((artifact) => artifact.id === wait.artifact)!.kind),
      ),
    );
    const variables = [...scriptKinds].map((kind) => SCRIPT_WAIT_VARIABLES[kind]);
    expect(variables.every((variable) => variable !== undefined)).toBe(true);
    expect(new Set(waitCalls(readScript(SCRIPT_FILES.boot)))).toEqual(new Set(variables));
    expect(new Set(Object.values(SCRIPT_WAIT_VARIABLES))).toEqual(new Set(variables));
  });

  it('finds the names and the bound in its header, and polls nowhere else across machines', () => {
    for (const [kind, variable] of Object.entries(SCRIPT_WAIT_VARIABLES)) {
      expect(BOOT_SCRIPT.split('\n')).toContain(`${variable}='${kind}'`);
      expect(ARTIFACT_HEADER[variable!]).toBe(kind);
    }
    expect(BOOT_SCRIPT.split('\n')).toContain(
      `${SCRIPT_WAIT_SECONDS_VARIABLE}='${NODE_BOOT.timeoutSeconds}'`,
    );
    const source = readScript(SCRIPT_FILES.boot);
    // The only waits with a bound of their own are on this machine: its data volume's device and
    // its readiness; every other goes through wait_for_artifact and the header's bound.
    const waits = [...source.matchAll(/^\s*[^#\n]*\bwait_for\s+(\S+)\s+([\w"$@-]+)/gm)].map(
      (match) => `${match[1]} ${match[2]}`,
    );
    expect(waits.sort()).toEqual(['"$ARTIFACT_WAIT_SECONDS" "$@"', '300 test', '900 readiness']);
  });
});

describe('each boot target waits for what the boot order says', () => {
  let plans: Plan[];
  beforeAll(() => {
    plans = allPlans().map(({ plan }) => plan);
  });

  const waitsOf = (order: BootOrderPlan, kind: 'node' | 'group', id: string) =>
    new Set(
      order.waits
        .filter((wait) => wait.waiter.kind === kind && wait.waiter.id === id)
        .map((wait) => order.artifacts.find((artifact) => artifact.id === wait.artifact)!.kind),
    );

  it('installs the shared secrets, migrates and waits for Praefect database exactly where the boot order has it wait', () => {
    let checked = 0;
    for (const plan of plans) {
      const order = planBootOrder(plan);
      const targets = [
        ...plan.autoScalingGroups.map((group) => ({ kind: 'group' as const, id: group.id, group })),
        ...plan.nodes
          .filter((node) => node.autoScalingGroup === undefined && node.role !== 'bastion')
          .map((node) => ({ kind: 'node' as const, id: node.id, node })),
      ];
      for (const target of targets) {
        const needs = bootNeeds(plan, target, []);
        const waits = waitsOf(order, target.kind, target.id);
        const where = `${plan.architecture.size} ${plan.architecture.type} ${target.id}`;
        // The single node and the nodes that may migrate generate the shared secrets: they install
        // what is stored without waiting.
        const generates = needs.singleNode || needs.migrates;
        expect(waits.has('gitlab-secrets-json'), where).toBe(needs.secretsJson && !generates);
        expect(waits.has('ssh-host-keys'), where).toBe(needs.hostKeys && !generates);
        expect(waits.has('database-migrated'), where).toBe(needs.migrates);
        const role = target.kind === 'group' ? target.group.role : target.node.role;
        // Every node whose role reads a database waits for it in its boot script.
        const polled = order.waits.filter(
          (wait) =>
            wait.waiter.id === target.id &&
            wait.enforcedBy === 'boot-script' &&
            wait.artifact.startsWith('database-ready:'),
        );
        const readsDatabase = planDataEndpoints(plan).some(
          (endpoint) => endpoint.kind === 'database' && endpoint.readers.includes(role),
        );
        expect(polled.length > 0, where).toBe(readsDatabase);
        expect(waits.has('praefect-database'), where).toBe(role === 'praefect');
        expect(waits.has('praefect-schema'), where).toBe(needs.praefectSchema);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(plans.length);
  });

  it('has each node poll each data service in the step the boot order puts its wait before', () => {
    let checked = 0;
    for (const plan of plans.filter((candidate) => candidate.architecture.type === 'linux-package')) {
      const order = planBootOrder(plan);
      const endpoints = planDataEndpoints(plan);
      for (const target of bootTargets(plan).filter((entry) => targetRole(entry) !== 'bastion')) {
        const env = renderUserDataParts(plan, target, endpointsFor(target)).env;
        const listed = (/^GLA_ENDPOINTS='(.*)'$/m.exec(env)?.[1] ?? '').split(' ').filter(Boolean);
        const id = target.kind === 'node' ? target.node.id : target.group.id;
        const expected = order.waits
          .filter((wait) => wait.waiter.id === id && /^(database|redis)-ready:/.test(wait.artifact))
          .map((wait) => {
            const serviceId = wait.artifact.split(':')[1];
            const endpoint = endpoints.find((candidate) => candidate.serviceId === serviceId)!;
            return `${endpoint.parameterName} ${wait.before}`;
          });
        const where = `${plan.architecture.size} ${id}`;
        expect(
          listed.map((entry) => {
            const [, parameter, , , step] = entry.split('|');
            return `${parameter} ${step}`;
          }),
          where,
        ).toEqual(expected);
        // The script calls data_endpoints for each of those steps.
        for (const step of new Set(listed.map((entry) => entry.split('|')[4]!))) {
          expect(readScript(SCRIPT_FILES.boot), where).toMatch(new RegExp(`\\bdata_endpoints ${step}$`, 'm'));
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
