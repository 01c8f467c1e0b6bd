// Every workflow start goes through a family's contract module (src/workflows/*/contract.ts),
// which builds a WorkflowStart<W>: the workflow type name with options whose `args` are checked
// against the workflow function's parameters W. These helpers are the only callers of
// client.workflow.start / signalWithStart, so a start can never pass the wrong input.
import type {
  Client,
  WorkflowHandleWithFirstExecutionRunId,
  WorkflowHandleWithSignaledRunId,
  WorkflowSignalWithStartOptions,
  WorkflowStartOptions,
} from '@temporalio/client';
import type { SignalDefinition, WithWorkflowArgs, Workflow } from '@temporalio/common';

export interface WorkflowStart<W extends Workflow> {
  workflowType: string;
  options: WorkflowStartOptions<W>;
}

export function startWorkflow<W extends Workflow>(
  client: Client,
  start: WorkflowStart<W>,
): Promise<WorkflowHandleWithFirstExecutionRunId<W>> {
  return client.workflow.start<W>(start.workflowType, start.options);
}

export function signalWithStartWorkflow<W extends Workflow, A extends unknown[]>(
  client: Client,
  start: WorkflowStart<W>,
  signal: SignalDefinition<A>,
  signalArgs: A,
): Promise<WorkflowHandleWithSignaledRunId<W>> {
  // TypeScript cannot see through the conditional `args` type of a generic W here; the options
  // were checked against W where the contract built them.
  const options = { ...start.options, signal, signalArgs } as unknown as WithWorkflowArgs<
    W,
    WorkflowSignalWithStartOptions<A>
  >;
  return client.workflow.signalWithStart<W, A>(start.workflowType, options);
}
