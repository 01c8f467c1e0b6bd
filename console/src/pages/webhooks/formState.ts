// What the webhook form holds (text, as typed) and how it becomes a request body. No validation
// rules live here: the API validates; this only turns typed text into the body's shapes.
import { ApiError } from '../../api/client';
import type { CreateWebhook, UpdateWebhook, Webhook } from '../../api/types';

// The choices are the API's own (api/types.ts), not copies.
export type Scope = Webhook['scope'];
export type RetryPolicy = Webhook['retry_policy'];
export type Strategy = NonNullable<Webhook['retry_countdown_config']>['choice'];
export type AuthType = NonNullable<Webhook['auth']>['type'] | 'none';

export interface HeaderRow {
  /** Stable key for React: rows can be removed from the middle. */
  key: number;
  name: string;
  value: string;
}

export interface FormState {
  name: string;
  eventType: string;
  targetUrl: string;
  goodsOwner: string;
  retryPolicy: RetryPolicy;
  strategy: Strategy;
  /** The countdown kwargs as typed, by the API's kwarg name (`seconds`, `base`, `factor`, ...). */
  kwargs: Record<string, string>;
  maxAttempts: string;
  delay: string;
  timeout: string;
  headers: HeaderRow[];
  authType: AuthType;
  username: string;
  password: string;
  token: string;
  secretKey: string;
  clearSecret: boolean;
  email: string;
  enabled: boolean;
  ordering: Webhook['ordering'];
  rateMax: string;
  ratePer: string;
  filter: string;
}

/** The fields each strategy takes, in the order they are shown, with their labels. */
export const STRATEGY_FIELDS: Record<Strategy, { kwarg: string; label: string }[]> = {
  fixed: [{ kwarg: 'seconds', label: 'Seconds' }],
  linear: [
    { kwarg: 'base', label: 'Base' },
    { kwarg: 'limit', label: 'Limit' },
  ],
  exponential: [
    { kwarg: 'base', label: 'Base' },
    { kwarg: 'factor', label: 'Factor' },
    { kwarg: 'limit', label: 'Limit' },
  ],
  random: [
    { kwarg: 'min_value', label: 'Min value' },
    { kwarg: 'max_value', label: 'Max value' },
  ],
};

let nextKey = 1;
export function headerRow(name = '', value = ''): HeaderRow {
  return { key: nextKey++, name, value };
}

export function emptyForm(): FormState {
  return {
    name: '',
    eventType: '',
    targetUrl: '',
    goodsOwner: '',
    retryPolicy: 'one_day',
    strategy: 'fixed',
    kwargs: {},
    maxAttempts: '',
    delay: '',
    timeout: '',
    headers: [],
    authType: 'none',
    username: '',
    password: '',
    token: '',
    secretKey: '',
    clearSecret: false,
    email: '',
    enabled: true,
    ordering: 'none',
    rateMax: '',
    ratePer: '',
    filter: '',
  };
}

const text = (v: number | string | null | undefined) => (v === null || v === undefined ? '' : String(v));

/** The form for editing `w`: secrets stay empty (the API never returns them). */
export function formFrom(w: Webhook): FormState {
  const config = w.retry_countdown_config;
  const kwargs: Record<string, string> = {};
  if (config) for (const [k, v] of Object.entries(config.kwargs)) kwargs[k] = text(v as number | null);
  return {
    ...emptyForm(),
    name: text(w.name),
    eventType: w.event_type,
    targetUrl: w.target_url,
    goodsOwner: text(w.goods_owner_id),
    retryPolicy: w.retry_policy,
    strategy: config?.choice ?? 'fixed',
    kwargs,
    maxAttempts: text(w.max_attempts),
    delay: text(w.delay),
    timeout: w.timeout,
    headers: Object.entries(w.additional_headers ?? {}).map(([n, v]) => headerRow(n, v)),
    authType: w.auth?.type ?? 'none',
    username: w.auth?.username ?? '',
    email: text(w.notify_email),
    enabled: w.enabled,
    ordering: w.ordering,
    rateMax: text(w.rate_limit?.max),
    ratePer: text(w.rate_limit?.per),
    filter: w.filter ? JSON.stringify(w.filter, null, 2) : '',
  };
}

/** A typed number as a number; anything else as typed, for the API to judge; empty: left out. */
function num(value: string): number | string | undefined {
  const t = value.trim();
  if (t === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

const orNull = (value: string): string | null => (value.trim() === '' ? null : value.trim());

/** The filter field is JSON: an error at the field when it does not parse (the API is not called). */
function parseFilter(value: string): { filter: unknown } {
  if (value.trim() === '') return { filter: null };
  try {
    return { filter: JSON.parse(value) as unknown };
  } catch (err) {
    throw new ApiError(0, 'invalid_json', 'The filter is not valid JSON; nothing was saved.', [
      { path: 'filter', message: `is not valid JSON (${err instanceof Error ? err.message : String(err)})` },
    ]);
  }
}

function countdownConfig(s: FormState) {
  const kwargs: Record<string, unknown> = {};
  for (const { kwarg } of STRATEGY_FIELDS[s.strategy]) {
    const v = num(s.kwargs[kwarg] ?? '');
    if (v !== undefined) kwargs[kwarg] = v;
  }
  return { choice: s.strategy, kwargs } as NonNullable<CreateWebhook['retry_countdown_config']>;
}

/** The fields create and edit share, built from what was typed. */
function common(s: FormState) {
  const headers = s.headers.filter((h) => h.name.trim() !== '' || h.value !== '');
  const rateMax = num(s.rateMax);
  const ratePer = orNull(s.ratePer);
  return {
    event_type: s.eventType,
    target_url: s.targetUrl.trim(),
    retry_policy: s.retryPolicy,
    delay: orNull(s.delay),
    additional_headers: headers.length
      ? Object.fromEntries(headers.map((h) => [h.name.trim(), h.value]))
      : null,
    notify_email: orNull(s.email),
    enabled: s.enabled,
    ordering: s.ordering,
    rate_limit:
      rateMax === undefined && ratePer === null
        ? null
        : ({ max: rateMax, per: ratePer ?? undefined } as CreateWebhook['rate_limit']),
    filter: parseFilter(s.filter).filter as CreateWebhook['filter'],
  };
}

function authBody(s: FormState): CreateWebhook['auth'] {
  if (s.authType === 'basic') return { type: 'basic', username: s.username, password: s.password };
  if (s.authType === 'bearer') return { type: 'bearer', token: s.token };
  return null;
}

export function createBody(s: FormState, scope: Scope): CreateWebhook {
  const body: CreateWebhook = { ...common(s), scope };
  const name = orNull(s.name);
  if (name !== null) body.name = name;
  if (scope === 'regular') {
    const owner = orNull(s.goodsOwner);
    if (owner !== null) body.goods_owner_id = owner;
  }
  if (s.retryPolicy === 'countdown') {
    body.retry_countdown_config = countdownConfig(s);
    const max = num(s.maxAttempts);
    if (max !== undefined) body.max_attempts = max as number;
  }
  const timeout = orNull(s.timeout);
  if (timeout !== null) body.timeout = timeout;
  if (s.secretKey !== '') body.secret_key = s.secretKey;
  if (s.authType !== 'none') body.auth = authBody(s);
  return body;
}

/**
 * The PATCH for `w`: every field of the form, but secrets only when typed (or cleared) — an
 * empty secret, password or token keeps what is stored; header values left "***" keep theirs.
 */
export function updateBody(s: FormState, w: Webhook): UpdateWebhook {
  const body: UpdateWebhook = { ...common(s), name: orNull(s.name) };
  if (w.scope === 'regular') body.goods_owner_id = orNull(s.goodsOwner);
  if (s.retryPolicy === 'countdown') {
    body.retry_countdown_config = countdownConfig(s);
    const max = num(s.maxAttempts);
    if (max !== undefined) body.max_attempts = max as number;
  } else {
    body.retry_countdown_config = null;
  }
  const timeout = orNull(s.timeout);
  if (timeout !== null) body.timeout = timeout;
  if (s.clearSecret) body.secret_key = null;
  else if (s.secretKey !== '') body.secret_key = s.secretKey;
  const stored = w.auth?.type ?? 'none';
  if (s.authType === 'none') {
    if (stored !== 'none') body.auth = null;
  } else if (
    s.authType !== stored ||
    (s.authType === 'basic' && (s.password !== '' || s.username !== (w.auth?.username ?? ''))) ||
    (s.authType === 'bearer' && s.token !== '')
  ) {
    body.auth = authBody(s);
  }
  return body;
}

/** Every path the form has a field for (the rest of the API's details go to the form's summary). */
export const CLAIMED_PATHS = [
  'name',
  'event_type',
  'target_url',
  'goods_owner_id',
  'retry_policy',
  'retry_countdown_config.choice',
  ...new Set(
    Object.values(STRATEGY_FIELDS).flatMap((fs) => fs.map((f) => `retry_countdown_config.kwargs.${f.kwarg}`)),
  ),
  'max_attempts',
  'delay',
  'timeout',
  'additional_headers',
  'auth.type',
  'auth.username',
  'auth.password',
  'auth.token',
  'secret_key',
  'notify_email',
  'enabled',
  'ordering',
  'rate_limit.max',
  'rate_limit.per',
  'filter',
];
