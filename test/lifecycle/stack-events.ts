/** Replays recorded DescribeStackEvents output as the toolkit's stack monitoring messages. */
import { readFileSync } from 'node:fs';
import type { IoMessage } from '@aws-cdk/toolkit-lib';
import type { StackEvent } from '@aws-sdk/client-cloudformation';

export function recordedEvents(name: string): StackEvent[] {
  const raw = JSON.parse(
    readFileSync(new URL(`../fixtures/lifecycle/stack-events/${name}.json`, import.meta.url), 'utf8'),
  );
  // DescribeStackEvents lists newest first; the monitor delivers them oldest first.
  return (raw.StackEvents as (StackEvent & { Timestamp: string })[])
    .map((event) => ({ ...event, Timestamp: new Date(event.Timestamp) }))
    .reverse();
}

const message = (code: string, data: unknown): IoMessage<unknown> => ({
  time: new Date(0),
  level: 'info',
  action: 'deploy',
  code: code as IoMessage<unknown>['code'],
  message: '',
  data,
});

/** The messages the toolkit emits while monitoring one stack operation. */
export function monitoringMessages(
  stackName: string,
  events: StackEvent[],
  resourcesTotal?: number,
): IoMessage<unknown>[] {
  const deployment = `deployment-${stackName}`;
  return [
    message('CDK_TOOLKIT_I5501', { deployment, stackName, resourcesTotal }),
    ...events.map((event) =>
      message('CDK_TOOLKIT_I5502', { deployment, event, progress: { completed: 0, formatted: '' } }),
    ),
    message('CDK_TOOLKIT_I5503', { deployment, stackName, resourcesTotal }),
  ];
}
