/**
 * The event-type catalogue (OMS events of seed 001, WMS order events of seed 002, webhook.test,
 * and the operational events Switchyard emits itself) and subscription-pattern matching.
 */

export type EventGroup =
  'package' | 'shipment' | 'transfer' | 'stock_location' | 'order' | 'webhook' | 'switchyard';

/** The group of operational events: only Switchyard emits them (POST /v1/events refuses them). */
export const OPERATIONAL_PREFIX = 'switchyard.';

/** Is this an operational event type (`switchyard.*`)? */
export function isOperationalType(type: string): boolean {
  return type.startsWith(OPERATIONAL_PREFIX);
}

export interface EventTypeInfo {
  type: string;
  group: EventGroup;
  description: string;
}

const status = (what: string, to: string) => `Triggered when the status of ${what} is updated to ${to}.`;

export const EVENT_TYPES: readonly EventTypeInfo[] = Object.freeze([
  { type: 'package.created', group: 'package', description: 'Triggered when a new package is created.' },
  { type: 'package.status.transitioned', group: 'package', description: status('a package', 'transitioned') },
  { type: 'package.status.packed', group: 'package', description: status('a package', 'packed') },
  { type: 'package.status.cancelled', group: 'package', description: status('a package', 'cancelled') },
  { type: 'package.status.shipped', group: 'package', description: status('a package', 'shipped') },
  {
    type: 'package.status.packed_for_refund',
    group: 'package',
    description: status('a package', 'packed_for_refund'),
  },
  {
    type: 'package.shipment.awb_number',
    group: 'package',
    description: 'Triggered when the awb_number of a package is set.',
  },
  {
    type: 'shipment.created',
    group: 'shipment',
    description:
      'Triggered when a new “shipment” is created for a package or a transfer is set to be made to another location.',
  },
  {
    type: 'shipment.status.updated',
    group: 'shipment',
    description: 'Triggered when the “shipment” or transfer status of a package is updated.',
  },
  {
    type: 'shipment.cancelled',
    group: 'shipment',
    description: 'Triggered when the “shipment” or inter-location transfer of a package is canceled.',
  },
  {
    type: 'transfer.status.created',
    group: 'transfer',
    description: 'Triggered when new transfers are created.',
  },
  {
    type: 'transfer.status.transitioned',
    group: 'transfer',
    description: status('a transfer', 'transitioned'),
  },
  { type: 'transfer.status.in_transit', group: 'transfer', description: status('a transfer', 'in_transit') },
  {
    type: 'transfer.status.transferred',
    group: 'transfer',
    description: status('a transfer', 'transferred'),
  },
  { type: 'transfer.status.cancelled', group: 'transfer', description: status('a transfer', 'cancelled') },
  {
    type: 'transfer.status.ready_to_shipment',
    group: 'transfer',
    description: status('a transfer', 'ready_to_shipment'),
  },
  {
    type: 'stock_location.created',
    group: 'stock_location',
    description: 'Triggered when a new stock location is created.',
  },
  {
    type: 'stock_location.updated',
    group: 'stock_location',
    description: 'Triggered when a stock location is updated.',
  },
  { type: 'order.created', group: 'order', description: 'Triggered when an order is created in the WMS.' },
  { type: 'order.picked', group: 'order', description: 'Triggered when an order is picked in the WMS.' },
  {
    type: 'order.status.changed',
    group: 'order',
    description: 'Triggered when the status of an order changes in the WMS.',
  },
  {
    type: 'webhook.test',
    group: 'webhook',
    description: 'A test delivery, sent only to the webhook under test (POST /v1/webhooks/{id}/test).',
  },
  {
    type: 'switchyard.delivery.failed',
    group: 'switchyard',
    description:
      'Emitted by Switchyard when a delivery fails for good: {delivery_id, event_id, event_type, webhook_id, attempts, last_error}.',
  },
  {
    type: 'switchyard.webhook.disabled',
    group: 'switchyard',
    description:
      'Emitted by Switchyard when it disables a webhook (410 Gone, or five days of failures): {webhook_id, reason}.',
  },
  {
    type: 'switchyard.job_run.failed',
    group: 'switchyard',
    description:
      'Emitted by Switchyard when a job run fails for good: {job_run_id, channel_id, job_type, trigger, error}.',
  },
  {
    type: 'switchyard.emergency_job.started',
    group: 'switchyard',
    description:
      'Emitted by Switchyard when an emergency run starts because no webhook job succeeded for one period: {job_run_id, channel_id, job_type, last_success_at}.',
  },
]);

const BY_TYPE = new Map(EVENT_TYPES.map((e) => [e.type, e]));

export function isKnownEventType(t: string): boolean {
  return BY_TYPE.has(t);
}

export function getEventType(t: string): EventTypeInfo | undefined {
  return BY_TYPE.get(t);
}

/**
 * A subscription pattern is a catalogue type, `*`, or `<prefix>.*` where `<prefix>` is a prefix of
 * some catalogue type on a dot boundary (`package.*`, `package.status.*`; not `pack.*`, and not
 * `package.created.*`, which could never match anything).
 */
export function isValidPattern(p: string): boolean {
  if (p === '*' || BY_TYPE.has(p)) return true;
  if (!p.endsWith('.*')) return false;
  const prefix = p.slice(0, -1); // keeps the trailing dot
  return prefix.length > 1 && EVENT_TYPES.some((e) => e.type.startsWith(prefix));
}

/**
 * Every pattern isValidPattern accepts (the catalogue is finite): `*`, each type, and `<prefix>.*`
 * for each dot-boundary prefix of a type. For the OpenAPI document.
 */
export function validPatterns(): string[] {
  const patterns = new Set<string>(['*']);
  for (const { type } of EVENT_TYPES) {
    patterns.add(type);
    const parts = type.split('.');
    for (let i = 1; i < parts.length; i++) patterns.add(`${parts.slice(0, i).join('.')}.*`);
  }
  return [...patterns];
}

/**
 * Does a webhook subscribed to `pattern` receive events of `type`?
 *
 * `*` deliberately does NOT match `webhook.test`: a test is addressed to one webhook (the one under
 * test), and a catch-all subscriber of the same account must not receive other webhooks' tests.
 * Nor does it match the operational events (`switchyard.*`): they reach only webhooks that ask for
 * them. A webhook that asks explicitly (`webhook.test`, `webhook.*`, `switchyard.*`, an exact
 * `switchyard.` type) still matches.
 */
export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === '*') return !type.startsWith('webhook.') && !isOperationalType(type);
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}
