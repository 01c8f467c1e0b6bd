import { ValidationError } from '../errors';
import { newId } from '../ids';
import { filterProblems, matchesFilter } from '../rules/filter';
import type { EvaluateFilterBody } from '../schemas/filters';
import { envelopeOf } from '../webhooks/envelope';

/** POST /v1/filters/evaluate: a filter tried on an event, as routing would judge it (no I/O). */
export function createFiltersService() {
  return {
    /** Whether `filter` admits the event's envelope; a bad filter is a 422 at `filter.…`. */
    evaluate(body: EvaluateFilterBody): boolean {
      const { filter, event } = body;
      if (filter === null) return true; // a webhook without a filter takes every event
      const problems = filterProblems(filter, 'filter');
      if (problems.length) throw new ValidationError(problems);
      return matchesFilter(
        filter,
        envelopeOf({
          // The defaults POST /v1/events gives an event that leaves them out.
          event_id: event.id ?? newId('evt'),
          event_type: event.type,
          occurred_at: event.occurred_at ?? new Date(),
          goods_owner_id: event.goods_owner_id ?? null,
          payload: event.payload,
        }),
      );
    },
  };
}

export type FiltersService = ReturnType<typeof createFiltersService>;
