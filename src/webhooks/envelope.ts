import type { SecretBox } from '../secrets';
import { openHeaders } from './headers';

export interface EnvelopeSource {
  event_id: string;
  event_type: string;
  occurred_at: Date | string;
  goods_owner_id: string | null;
  payload: Record<string, unknown>;
}

/** What every target receives, as a value: payload filters are judged against it (src/rules/filter.ts). */
export interface Envelope {
  event: { type: string; uuid: string; occurred_at: string; goods_owner_id: string | null };
  payload: Record<string, unknown>;
}

/** The envelope of an event; the one place its shape is written (the send, routing, /v1/filters/evaluate). */
export function envelopeOf(e: EnvelopeSource): Envelope {
  return {
    event: {
      type: e.event_type,
      uuid: e.event_id,
      occurred_at: new Date(e.occurred_at).toISOString(),
      goods_owner_id: e.goods_owner_id,
    },
    payload: e.payload,
  };
}

/** The JSON body every target receives; the signature covers these exact bytes. */
export function renderEnvelope(e: EnvelopeSource): string {
  return JSON.stringify(envelopeOf(e));
}

export type WebhookAuth =
  { type: 'basic'; username: string; password: string } | { type: 'bearer'; token: string };

export function authorizationHeader(auth: WebhookAuth): string {
  return auth.type === 'basic'
    ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`
    : `Bearer ${auth.token}`;
}

/** Headers besides content-type, user-agent and the webhook-* trio, which the sender adds. */
export function webhookRequestHeaders(opts: {
  eventType: string;
  deliveryId: string;
  attempt: number;
  /** Sealed at rest (they often carry credentials): opened here, just before sending. */
  additionalHeadersSealed: string | null;
  auth: { type: 'basic' | 'bearer'; sealed: string } | null;
  secrets: SecretBox;
}): Record<string, string> {
  const headers: Record<string, string> = { ...openHeaders(opts.secrets, opts.additionalHeadersSealed) };
  if (opts.auth)
    headers.authorization = authorizationHeader(
      JSON.parse(opts.secrets.open(opts.auth.sealed)) as WebhookAuth,
    );
  headers['x-switchyard-event'] = opts.eventType;
  headers['x-switchyard-delivery'] = opts.deliveryId;
  headers['x-switchyard-attempt'] = String(opts.attempt);
  return headers;
}
