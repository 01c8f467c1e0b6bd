import { describe, it, expect } from 'vitest';
import {
  EVENT_TYPES,
  getEventType,
  isKnownEventType,
  isOperationalType,
  isValidPattern,
  validPatterns,
  matchesPattern,
} from '../../src/rules/eventTypes';

const EXPECTED: Record<string, string[]> = {
  package: [
    'package.created',
    'package.status.transitioned',
    'package.status.packed',
    'package.status.cancelled',
    'package.status.shipped',
    'package.status.packed_for_refund',
    'package.shipment.awb_number',
  ],
  shipment: ['shipment.created', 'shipment.status.updated', 'shipment.cancelled'],
  transfer: [
    'transfer.status.created',
    'transfer.status.transitioned',
    'transfer.status.in_transit',
    'transfer.status.transferred',
    'transfer.status.cancelled',
    'transfer.status.ready_to_shipment',
  ],
  stock_location: ['stock_location.created', 'stock_location.updated'],
  order: ['order.created', 'order.picked', 'order.status.changed'],
  webhook: ['webhook.test'],
  switchyard: [
    'switchyard.delivery.failed',
    'switchyard.webhook.disabled',
    'switchyard.job_run.failed',
    'switchyard.emergency_job.started',
  ],
};

describe('EVENT_TYPES', () => {
  it('holds exactly the contract catalogue, grouped', () => {
    const byGroup: Record<string, string[]> = {};
    for (const e of EVENT_TYPES) (byGroup[e.group] ??= []).push(e.type);
    expect(byGroup).toEqual(EXPECTED);
  });

  it('has unique types and a description for each', () => {
    expect(new Set(EVENT_TYPES.map((e) => e.type)).size).toBe(EVENT_TYPES.length);
    for (const e of EVENT_TYPES) expect(e.description.length).toBeGreaterThan(10);
  });

  it.each(Object.values(EXPECTED).flat())('knows %s', (t) => {
    expect(isKnownEventType(t)).toBe(true);
    expect(getEventType(t)?.type).toBe(t);
  });

  it.each(['package', 'package.*', '*', 'Package.created', 'package.created ', 'order.shipped', ''])(
    'does not know %j',
    (t) => {
      expect(isKnownEventType(t)).toBe(false);
    },
  );
});

describe('isValidPattern', () => {
  it.each([
    ['*', true],
    ['package.created', true],
    ['webhook.test', true],
    ['package.*', true],
    ['package.status.*', true],
    ['package.shipment.*', true],
    ['transfer.status.*', true],
    ['stock_location.*', true],
    ['order.status.*', true],
    ['webhook.*', true],
    ['switchyard.*', true],
    ['switchyard.delivery.*', true],
    ['switchyard.delivery.failed', true],
    ['switchyard.webhook.disabled', true],
    ['switchyard.job_run.failed', true],
    ['switchyard.emergency_job.started', true],
    ['switchyard', false],
    ['switchyard.delivery.failed.*', false],
    ['switchyard.delivery.delivered', false],
    ['pack.*', false],
    ['package.stat.*', false],
    ['package.created.*', false],
    ['package', false],
    ['package.', false],
    ['.*', false],
    ['*.*', false],
    ['**', false],
    ['package.*.*', false],
    ['*.created', false],
    ['package.status*', false],
    ['unknown.*', false],
    ['unknown.event', false],
    ['PACKAGE.*', false],
    ['', false],
  ])('%j → %s', (p, ok) => {
    expect(isValidPattern(p)).toBe(ok);
  });
});

describe('matchesPattern', () => {
  it.each([
    ['*', 'package.created', true],
    ['*', 'order.picked', true],
    // A test is for the webhook under test only, never for catch-all subscribers.
    ['*', 'webhook.test', false],
    ['webhook.test', 'webhook.test', true],
    ['webhook.*', 'webhook.test', true],
    ['package.*', 'package.created', true],
    ['package.*', 'package.status.shipped', true],
    ['package.*', 'shipment.created', false],
    ['package.status.*', 'package.status.packed', true],
    ['package.status.*', 'package.created', false],
    ['package.status.*', 'package.shipment.awb_number', false],
    ['order.*', 'order.status.changed', true],
    ['order.status.*', 'order.picked', false],
    ['package.created', 'package.created', true],
    ['package.created', 'package.created.extra', false],
    ['package.status', 'package.status.packed', false],
    ['pack.*', 'package.created', false],
    ['stock_location.*', 'stock_location.updated', true],
    ['shipment.*', 'package.shipment.awb_number', false],
    // Operational events reach only webhooks that ask for them: never the catch-all.
    ['*', 'switchyard.delivery.failed', false],
    ['*', 'switchyard.webhook.disabled', false],
    ['*', 'switchyard.job_run.failed', false],
    ['*', 'switchyard.emergency_job.started', false],
    ['switchyard.*', 'switchyard.delivery.failed', true],
    ['switchyard.*', 'switchyard.webhook.disabled', true],
    ['switchyard.*', 'switchyard.job_run.failed', true],
    ['switchyard.*', 'switchyard.emergency_job.started', true],
    ['switchyard.delivery.failed', 'switchyard.delivery.failed', true],
    ['switchyard.delivery.failed', 'switchyard.webhook.disabled', false],
    ['switchyard.delivery.*', 'switchyard.delivery.failed', true],
    ['switchyard.delivery.*', 'switchyard.job_run.failed', false],
    ['switchyard.*', 'package.created', false],
    ['switchyard.*', 'webhook.test', false],
    ['webhook.*', 'switchyard.webhook.disabled', false],
  ])('%j vs %s → %s', (pattern, type, expected) => {
    expect(matchesPattern(pattern, type)).toBe(expected);
  });

  it('every valid prefix pattern matches at least one catalogue type', () => {
    for (const e of EVENT_TYPES) {
      const parts = e.type.split('.');
      for (let i = 1; i < parts.length; i++) {
        const p = `${parts.slice(0, i).join('.')}.*`;
        expect(isValidPattern(p)).toBe(true);
        expect(EVENT_TYPES.some((x) => matchesPattern(p, x.type))).toBe(true);
      }
    }
  });
});

describe('validPatterns', () => {
  it('lists exactly the patterns isValidPattern accepts, from the catalogue', () => {
    const patterns = validPatterns();
    expect(patterns).toEqual(
      expect.arrayContaining(['*', 'package.*', 'package.status.*', 'package.created']),
    );
    for (const p of patterns) expect(isValidPattern(p), p).toBe(true);
    // Every candidate shape built from catalogue words: valid ones are listed, others are not.
    const words = new Set(EVENT_TYPES.flatMap((e) => e.type.split('.')));
    for (const a of words)
      for (const b of [...words, '*'])
        for (const p of [`${a}.*`, `${a}.${b}`, `${a}.${b}.*`])
          expect(patterns.includes(p), p).toBe(isValidPattern(p));
  });
});

describe('isOperationalType', () => {
  it.each([
    ['switchyard.delivery.failed', true],
    ['switchyard.webhook.disabled', true],
    ['switchyard.job_run.failed', true],
    ['switchyard.emergency_job.started', true],
    ['switchyard.anything', true],
    ['package.created', false],
    ['webhook.test', false],
    ['switchyard', false],
    ['xswitchyard.delivery.failed', false],
  ])('%s → %s', (type, expected) => {
    expect(isOperationalType(type)).toBe(expected);
  });

  it('is exactly the switchyard group of the catalogue', () => {
    expect(EVENT_TYPES.filter((e) => isOperationalType(e.type)).map((e) => e.group)).toEqual(
      Array(4).fill('switchyard'),
    );
    for (const e of EVENT_TYPES) expect(isOperationalType(e.type)).toBe(e.group === 'switchyard');
  });
});
