// Temporal Cloud billable actions counted from a workflow's event history, by the rules of
// https://docs.temporal.io/cloud/actions (temporalio/documentation,
// docs/evaluate/temporal-cloud/actions.mdx). Queries, activity heartbeats, rejected updates,
// exports and schedules leave nothing in a history, so they are not counted here.
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** An event's type as its attributes field names it, e.g. `workflowExecutionStarted`. */
export function eventTypeName(e: HistoryEvent): string {
  const key = Object.keys(e).find(
    (k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k] != null,
  );
  return key ? key.replace(/EventAttributes$/, '') : String(e.eventType);
}

/** Events by type. */
export function countEventTypes(events: HistoryEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) {
    const t = eventTypeName(e);
    out[t] = (out[t] ?? 0) + 1;
  }
  return out;
}

export interface ActionCount {
  total: number;
  /** Actions by rule (the documentation's names). */
  byRule: Record<string, number>;
}

const num = (v: unknown): number => (v == null ? 0 : Number(v));

/**
 * The billable actions a history shows:
 * - Workflow started: 1 (client start or Continue-As-New; a child's start is billed to the parent,
 *   2 actions at StartChildWorkflowExecutionInitiated).
 * - Signal-With-Start: 1 in all; recognised as a signal recorded right after the start (event 2),
 *   which a separate signal cannot be (the first workflow task is scheduled first).
 * - Signal received: 1 each.
 * - Timer started: 1 each (including the implicit timers of `condition(fn, timeout)`).
 * - Activity started or retried: 1 per attempt (the ActivityTaskStarted event records the attempt).
 * - Local activities: all markers recorded by one workflow task are 1 action (they are
 *   RecordMarker commands; the docs count "all RecordMarkers from each Workflow Task as one
 *   action"). Workflow-task heartbeats of long local activities would add 1 each (not recognised).
 * - Search attributes upserted: 1 per UpsertWorkflowSearchAttributes, unless it only sets
 *   TemporalChangeVersion; those given at start are free.
 * - Update accepted: 1 each; Workflow Execution Options updated: 1 each; Nexus operation
 *   scheduled or cancel-requested: 1 each.
 */
export function countActions(events: HistoryEvent[]): ActionCount {
  const byRule: Record<string, number> = {};
  const add = (rule: string, n = 1) => {
    if (n) byRule[rule] = (byRule[rule] ?? 0) + n;
  };
  const markerTasks = new Set<number>();
  events.forEach((e, i) => {
    const t = eventTypeName(e);
    switch (t) {
      case 'workflowExecutionStarted': {
        const a = e.workflowExecutionStartedEventAttributes;
        if (a?.parentWorkflowExecution?.workflowId) break; // billed to the parent
        add('workflow started');
        break;
      }
      case 'workflowExecutionSignaled': {
        const prev = events[i - 1];
        if (i === 1 && prev && eventTypeName(prev) === 'workflowExecutionStarted') break; // signal-with-start
        add('signal');
        break;
      }
      case 'timerStarted':
        add('timer started');
        break;
      case 'activityTaskStarted':
        add('activity started or retried', Math.max(1, num(e.activityTaskStartedEventAttributes?.attempt)));
        break;
      case 'markerRecorded':
        markerTasks.add(num(e.markerRecordedEventAttributes?.workflowTaskCompletedEventId));
        break;
      case 'upsertWorkflowSearchAttributes': {
        const fields = Object.keys(
          e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
        );
        if (fields.length === 1 && fields[0] === 'TemporalChangeVersion') break;
        add('search attributes upserted');
        break;
      }
      case 'startChildWorkflowExecutionInitiated':
        add('child workflow start and execution', 2);
        break;
      case 'workflowExecutionUpdateAccepted':
        add('update accepted');
        break;
      case 'workflowExecutionOptionsUpdated':
        add('workflow execution options updated');
        break;
      case 'nexusOperationScheduled':
      case 'nexusOperationCancelRequested':
        add('nexus operation');
        break;
      default:
        break;
    }
  });
  add('local activities (markers) per workflow task', markerTasks.size);
  return { total: Object.values(byRule).reduce((a, b) => a + b, 0), byRule };
}
