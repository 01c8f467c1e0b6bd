import { z } from 'zod';
import { MAX_FILTER_BYTES, MAX_FILTER_DEPTH } from '../rules/filter';
import { eventInput } from './events';

/**
 * A payload filter as the document shows it: a JSON object. Its grammar (paths, operators,
 * combinators, limits) is more than OpenAPI 3.0 can state (no propertyNames, no size bound), so
 * the description states it and src/rules/filter.ts is the authority (422 with `filter.…` paths;
 * `npm run fuzz` lets exactly those refusals through, scripts/fuzz_hooks.py).
 */
export const filterSchema = z.record(z.string(), z.unknown(), { message: 'must be a JSON object' }).meta({
  id: 'Filter',
  description:
    'A payload filter: a webhook with one gets a delivery only for the events it admits; null (the ' +
    'default): every event. Evaluated against the envelope the target would receive: `{"event": {"type", "uuid", ' +
    '"occurred_at", "goods_owner_id"}, "payload": {...}}`. Every key must hold. A key is a dotted ' +
    'path starting at `event` or `payload` (`payload.status`, `event.goods_owner_id`, ' +
    '`payload.lines.0.sku`: a numeric segment indexes an array), or a combinator: `$and` and `$or` ' +
    '(non-empty arrays of filters), `$not` (a filter). A path maps to a literal (deep equality) or to ' +
    'an operator object (an object with `$` keys, all of which must hold): `$eq`, `$ne` (any JSON), ' +
    '`$in`, `$nin` (arrays), `$gt`, `$gte`, `$lt`, `$lte` (a number or a string: numbers compare ' +
    'numerically, strings by UTF-16 code units; a value of another type never matches), `$exists` ' +
    '(boolean; `null` counts as present), `$startsWith` (string). A missing path fails every literal ' +
    'and operator except `$exists: false`, `$ne` and `$nin`. At most ' +
    `${MAX_FILTER_DEPTH} levels of nesting (the filter is level 1) and ${MAX_FILTER_BYTES / 1024} KiB ` +
    'serialized; an unknown operator, a wrong operand type or a path outside the envelope is a 422 ' +
    'whose `details[].path` points at it (`filter.$and.1.payload.status.$gt`).',
  example: {
    'payload.status': { $in: ['shipped', 'delivered'] },
    'event.goods_owner_id': 'GO-1',
    $not: { 'payload.lines.0.sku': { $startsWith: 'TEST-' } },
  },
});

export const evaluateFilterBody = z
  .strictObject({
    filter: filterSchema.nullable(),
    event: z
      .strictObject({
        type: eventInput.type,
        goods_owner_id: eventInput.goods_owner_id,
        payload: eventInput.payload,
        id: eventInput.id.meta({
          description: "The envelope's `event.uuid` (as `id` in POST /v1/events); default: a new `evt_` id",
        }),
        occurred_at: eventInput.occurred_at.meta({
          description: "The envelope's `event.occurred_at`; default: now",
        }),
      })
      .meta({
        description: 'An event as POST /v1/events takes it; its envelope is built as the send builds it',
      }),
  })
  .meta({
    id: 'EvaluateFilter',
    example: {
      filter: { 'payload.status': 'shipped', 'payload.weight': { $gte: 10 } },
      event: {
        type: 'package.status.shipped',
        goods_owner_id: 'GO-1',
        payload: { status: 'shipped', weight: 12.5 },
      },
    },
  });

export type EvaluateFilterBody = z.infer<typeof evaluateFilterBody>;

export const filterVerdictSchema = z
  .object({ matches: z.boolean().meta({ description: 'Whether the filter admits the event' }) })
  .meta({ id: 'FilterVerdict' });
