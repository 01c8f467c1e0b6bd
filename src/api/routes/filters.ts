import type { RouteDeps } from '../deps';
import { evaluateFilterBody, filterVerdictSchema } from '../../schemas/filters';

export function filterRoutes({ route, services }: RouteDeps): void {
  route({
    method: 'post',
    path: '/v1/filters/evaluate',
    tag: 'Webhooks',
    auth: 'account',
    summary: 'Try a payload filter on an event',
    description:
      "Judges the event's envelope, built as a delivery's request body is, with the filter exactly as " +
      'routing does for a webhook with that `filter`. Nothing is stored or sent. A bad filter answers ' +
      '422 with `details[].path` at the offending place.',
    body: evaluateFilterBody,
    responses: { 200: { description: 'The verdict', schema: filterVerdictSchema } },
    handler: async ({ body }) => ({ status: 200, body: { matches: services.filters.evaluate(body) } }),
  });
}
