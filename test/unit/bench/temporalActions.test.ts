import { describe, expect, it } from 'vitest';
import { countActions, countEventTypes, eventTypeName } from '../../../bench/lib/temporalActions';

// Histories as fetchHistory() returns them: one `<type>EventAttributes` field per event.
const ev = (type: string, attrs: Record<string, unknown> = {}) => ({ [`${type}EventAttributes`]: attrs });
const wft = () => [ev('workflowTaskScheduled'), ev('workflowTaskStarted'), ev('workflowTaskCompleted')];

describe('countActions', () => {
  it('counts a start and all the markers of one workflow task as one action each', () => {
    // dispatchEvent / deliverWebhook on the happy path: start, one task, one or two markers, end.
    const history = [
      ev('workflowExecutionStarted', {}),
      ...wft(),
      ev('markerRecorded', { workflowTaskCompletedEventId: 4 }),
      ev('markerRecorded', { workflowTaskCompletedEventId: 4 }),
      ev('workflowExecutionCompleted'),
    ];
    expect(eventTypeName(history[0]!)).toBe('workflowExecutionStarted');
    expect(countEventTypes(history)).toMatchObject({ markerRecorded: 2, workflowTaskCompleted: 1 });
    expect(countActions(history)).toEqual({
      total: 2,
      byRule: { 'workflow started': 1, 'local activities (markers) per workflow task': 1 },
    });
  });

  it('counts markers of different workflow tasks, timers, signals and activity attempts', () => {
    const history = [
      ev('workflowExecutionStarted'),
      ...wft(),
      ev('markerRecorded', { workflowTaskCompletedEventId: 4 }),
      ev('timerStarted'),
      ev('workflowExecutionSignaled'),
      ...wft(),
      ev('markerRecorded', { workflowTaskCompletedEventId: 10 }),
      ev('activityTaskScheduled'),
      ev('activityTaskStarted', { attempt: 3 }),
      ev('activityTaskCompleted'),
      ev('upsertWorkflowSearchAttributes', { searchAttributes: { indexedFields: { A: {}, B: {} } } }),
      ev('upsertWorkflowSearchAttributes', {
        searchAttributes: { indexedFields: { TemporalChangeVersion: {} } },
      }),
      ev('workflowExecutionCompleted'),
    ];
    expect(countActions(history).byRule).toEqual({
      'workflow started': 1,
      'timer started': 1,
      signal: 1,
      'activity started or retried': 3,
      'search attributes upserted': 1,
      'local activities (markers) per workflow task': 2,
    });
  });

  it('bills signal-with-start once, and a child to its parent', () => {
    expect(
      countActions([ev('workflowExecutionStarted'), ev('workflowExecutionSignaled'), ...wft()]).total,
    ).toBe(1);
    expect(
      countActions([
        ev('workflowExecutionStarted', { parentWorkflowExecution: { workflowId: 'p' } }),
        ...wft(),
      ]).total,
    ).toBe(0);
    expect(
      countActions([ev('workflowExecutionStarted'), ...wft(), ev('startChildWorkflowExecutionInitiated')])
        .total,
    ).toBe(3);
  });
});
