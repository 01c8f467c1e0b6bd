// The contract of noopWorkflow (the benchmark's Temporal ceiling): its type name, signature and
// start options. Bundled with the workflows; must not import ./noop (it imports this).
import { TASK_QUEUE } from '../constants';
import type { WorkflowStart } from '../temporal/workflowStart';

export const noopWorkflowType = 'noopWorkflow';

/** The workflow's signature; src/workflows/noop.ts is checked against it. */
export type NoopWorkflow = () => Promise<void>;

export function noopWorkflowStart(
  workflowId: string,
  taskQueue: string = TASK_QUEUE,
): WorkflowStart<NoopWorkflow> {
  return { workflowType: noopWorkflowType, options: { taskQueue, workflowId, args: [] } };
}
