import { WorkflowNotFoundError } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Page } from '../db/paginate';
import { ConflictError, NotFoundError, ValidationError, type ErrorDetail } from '../errors';
import { newId } from '../ids';
import { durationMs } from '../rules/duration';
import { filterProblems } from '../rules/filter';
import { findHeader } from '../rules/headers';
import { checkTargetUrl, type TargetVerdict } from '../rules/urlSafety';
import { createDeliveriesRepository } from '../repositories/deliveries';
import { createRateBucketsRepository } from '../repositories/rateBuckets';
import { createWebhooksRepository, type WebhookListQuery, type WebhookRow } from '../repositories/webhooks';
import { afterRotation } from '../rules/secretRotation';
import { toIso, type RotatedSecret, type RotateSecretBody } from '../schemas/common';
import type { CreateWebhookBody, UpdateWebhookBody } from '../schemas/webhooks';
import { newSigningSecret } from '../secrets';
import { keepMaskedValues, openHeaders, sealHeaders } from '../webhooks/headers';
import { rateLimitChangedSignal } from '../workflows/webhooks/contract';
import { serviceClock, type ServiceDeps } from './deps';

export type { WebhookRow } from '../repositories/webhooks';

/** The writable settings after defaults and merging, before secrets are sealed. */
type Settings = Omit<Required<CreateWebhookBody>, 'secret_key' | 'auth'> & {
  secret_key?: string | null;
  auth?: CreateWebhookBody['auth'];
};

/** Rules that span fields; the zod schema checks each field alone. */
export function crossFieldProblems(s: Settings): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (s.scope === 'regular' && !s.goods_owner_id)
    problems.push({ path: 'goods_owner_id', message: 'is required for a regular webhook' });
  if (s.scope === 'automation' && s.goods_owner_id)
    problems.push({
      path: 'goods_owner_id',
      message: 'must be null for an automation webhook (it fires for every goods owner)',
    });
  if (s.retry_policy === 'countdown' && !s.retry_countdown_config)
    problems.push({ path: 'retry_countdown_config', message: 'is required when retry_policy is countdown' });
  if (s.retry_policy !== 'countdown' && s.retry_countdown_config)
    problems.push({
      path: 'retry_countdown_config',
      message: `must be null when retry_policy is ${s.retry_policy}`,
    });
  if (s.auth && findHeader(s.additional_headers ?? undefined, 'authorization') !== undefined)
    problems.push({ path: 'additional_headers.authorization', message: 'cannot be set together with auth' });
  return problems;
}

/** Signals in flight at once when waking a webhook's waiting deliveries. */
const WAKE_CONCURRENCY = 8;

const sameRateLimit = (a: WebhookRow['rate_limit'], b: WebhookRow['rate_limit']) =>
  a === b || (!!a && !!b && a.max === b.max && durationMs(a.per) === durationMs(b.per));
/** A filter's grammar and limits, which the schema (an object, for the document) cannot state. */
function filterProblemsOf(filter: Settings['filter'] | undefined) {
  return filter ? filterProblems(filter, 'filter') : [];
}

const filterColumn = (filter: Settings['filter']) => (filter ? JSON.stringify(filter) : null);

export function createWebhooksService(deps: ServiceDeps) {
  const { db, secrets, config, temporal, logger } = deps;
  const webhooks = createWebhooksRepository(db);
  const deliveries = createDeliveriesRepository(db);
  const buckets = createRateBucketsRepository(db);
  const clock = serviceClock(deps);

  /**
   * Tells the webhook's deliveries that wait for a rate-limit token to ask again now (its limit
   * changed, or it was disabled or deleted and they are to end). In the background, so the request
   * that changed the webhook answers at once; a delivery it misses asks again within
   * MAX_TOKEN_WAIT_MS anyway.
   */
  function wakeTokenWaiters(webhookId: string): void {
    const wake = async () => {
      const queue = await deliveries.waitingForToken(webhookId);
      const signal = (workflowId: string) =>
        temporal.workflow
          .getHandle(workflowId)
          .signal(rateLimitChangedSignal)
          .catch((err: unknown) => {
            if (!(err instanceof WorkflowNotFoundError)) throw err; // finished meanwhile
          });
      const lanes = Array.from({ length: Math.min(WAKE_CONCURRENCY, queue.length) }, async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) await signal(id);
      });
      await Promise.all(lanes);
    };
    wake().catch((err: unknown) =>
      logger.warn({ err, webhookId }, 'could not wake the deliveries waiting for a rate-limit token'),
    );
  }

  const checkTarget = (url: string) =>
    checkTargetUrl(url, {
      allowPrivate: config.SWITCHYARD_ALLOW_PRIVATE_TARGETS,
      lookup: deps.lookup,
      resolveNames: !config.SWITCHYARD_OUTBOUND_SINK,
    });

  function assertSafe(verdict: TargetVerdict): void {
    if (!verdict.ok) throw ValidationError.field('target_url', verdict.reason);
  }

  async function find(accountId: string, id: string, conn: Knex = db, lock = false): Promise<WebhookRow> {
    const row = await webhooks.find(accountId, id, conn, lock);
    if (!row) throw new NotFoundError('webhook', id);
    return row;
  }

  function sealedAuth(auth: CreateWebhookBody['auth']) {
    return auth
      ? { auth_type: auth.type, auth_sealed: secrets.seal(JSON.stringify(auth)) }
      : { auth_type: null, auth_sealed: null };
  }

  return {
    find,

    async create(accountId: string, body: CreateWebhookBody): Promise<WebhookRow> {
      const settings: Settings = {
        ...body,
        name: body.name ?? null,
        goods_owner_id: body.goods_owner_id ?? null,
        // The contract's default: countdown when a countdown config is given, else One day.
        retry_policy: body.retry_policy ?? (body.retry_countdown_config ? 'countdown' : 'one_day'),
        retry_countdown_config: body.retry_countdown_config ?? null,
        delay: body.delay ?? null,
        additional_headers: body.additional_headers ?? null,
        notify_email: body.notify_email ?? null,
        rate_limit: body.rate_limit ?? null,
        filter: body.filter ?? null,
      };
      // A new webhook has no stored value for a masked header to keep.
      const masked = keepMaskedValues(settings.additional_headers, null);
      const problems = [
        ...masked.problems,
        ...filterProblemsOf(settings.filter),
        ...crossFieldProblems(settings),
      ];
      if (problems.length) throw new ValidationError(problems);
      assertSafe(await checkTarget(settings.target_url));
      return webhooks.insert({
        id: newId('whk'),
        account_id: accountId,
        name: settings.name,
        event_type: settings.event_type,
        target_url: settings.target_url,
        scope: settings.scope,
        goods_owner_id: settings.goods_owner_id,
        retry_policy: settings.retry_policy,
        retry_countdown_config: settings.retry_countdown_config
          ? JSON.stringify(settings.retry_countdown_config)
          : null,
        max_attempts: settings.max_attempts,
        delay: settings.delay,
        timeout: settings.timeout,
        additional_headers_sealed: sealHeaders(secrets, settings.additional_headers),
        secret_key_sealed: secrets.sealNullable(body.secret_key),
        ...sealedAuth(body.auth),
        notify_email: settings.notify_email,
        enabled: settings.enabled,
        ordering: settings.ordering,
        rate_limit: settings.rate_limit ? JSON.stringify(settings.rate_limit) : null,
        filter: filterColumn(settings.filter),
      });
    },

    async update(accountId: string, id: string, patch: UpdateWebhookBody): Promise<WebhookRow> {
      // DNS is slow and unbounded by the database: resolve before the transaction, which would hold
      // PGlite's only connection (and a pooled one on PostgreSQL) for as long as the resolver takes.
      // The verdict is still reported where it was, after the existence and cross-field checks.
      const target = patch.target_url !== undefined ? await checkTarget(patch.target_url) : undefined;
      let wake = false;
      const updated = await db.transaction(async (trx) => {
        const current = await find(accountId, id, trx);
        const storedHeaders = openHeaders(secrets, current.additional_headers_sealed);
        // Headers sent replace the stored ones as a whole; "***" keeps a stored value.
        const headers =
          patch.additional_headers === undefined
            ? { headers: storedHeaders, problems: [] }
            : keepMaskedValues(patch.additional_headers, storedHeaders);
        const merged: Settings = {
          name: current.name,
          event_type: current.event_type,
          target_url: current.target_url,
          scope: current.scope,
          goods_owner_id: current.goods_owner_id,
          retry_policy: current.retry_policy,
          retry_countdown_config: current.retry_countdown_config as Settings['retry_countdown_config'],
          max_attempts: current.max_attempts,
          delay: current.delay,
          timeout: current.timeout,
          notify_email: current.notify_email,
          enabled: current.enabled,
          ordering: current.ordering,
          rate_limit: current.rate_limit,
          filter: current.filter,
          auth: current.auth_type ? ({ type: current.auth_type } as CreateWebhookBody['auth']) : null,
          ...patch,
          additional_headers: headers.headers,
        };
        // Switching to another policy drops a countdown config that no longer applies.
        if (
          patch.retry_policy &&
          patch.retry_policy !== 'countdown' &&
          patch.retry_countdown_config === undefined
        )
          merged.retry_countdown_config = null;
        if (patch.retry_countdown_config && patch.retry_policy === undefined)
          merged.retry_policy = 'countdown';
        if (patch.scope === 'automation' && patch.goods_owner_id === undefined) merged.goods_owner_id = null;
        const problems = [
          ...headers.problems,
          ...filterProblemsOf(patch.filter),
          ...crossFieldProblems(merged),
        ];
        if (problems.length) throw new ValidationError(problems);
        if (target) assertSafe(target);
        const update: Record<string, unknown> = { updated_at: trx.fn.now() };
        for (const key of [
          'name',
          'event_type',
          'target_url',
          'scope',
          'goods_owner_id',
          'retry_policy',
          'max_attempts',
          'delay',
          'timeout',
          'notify_email',
          'ordering',
        ] as const) {
          if (merged[key] !== (current as unknown as Record<string, unknown>)[key]) update[key] = merged[key];
        }
        update.retry_countdown_config = merged.retry_countdown_config
          ? JSON.stringify(merged.retry_countdown_config)
          : null;
        if (patch.rate_limit !== undefined && !sameRateLimit(patch.rate_limit, current.rate_limit)) {
          update.rate_limit = patch.rate_limit ? JSON.stringify(patch.rate_limit) : null;
          // A new limit starts from a full bucket, and the deliveries waiting under the old one ask again.
          await buckets.reset(id, trx);
          wake = true;
        }
        if (patch.filter !== undefined) update.filter = filterColumn(patch.filter);
        if (patch.additional_headers !== undefined)
          update.additional_headers_sealed = sealHeaders(secrets, merged.additional_headers);
        if (patch.secret_key !== undefined) {
          // Set outright, the secret replaces the old one at once: no secret a rotation kept survives it.
          Object.assign(update, {
            secret_key_sealed: secrets.sealNullable(patch.secret_key),
            old_secret_key_sealed: null,
            old_secret_expires_at: null,
          });
        }
        if (patch.auth !== undefined) Object.assign(update, sealedAuth(patch.auth));
        if (patch.enabled !== undefined) {
          update.enabled = patch.enabled;
          // Re-enabling clears why it was disabled and restarts the five-day failure clock.
          if (patch.enabled) Object.assign(update, { disabled_reason: null, failing_since: null });
          else if (current.enabled) {
            update.disabled_reason = 'disabled by request';
            wake = true; // waiting deliveries end now, not at their slot
          }
        }
        return webhooks.update(trx, id, update);
      });
      if (wake) wakeTokenWaiters(id);
      return updated;
    },

    /**
     * A new signing secret (the one given, or a generated `whsec_` one), keeping the current one
     * for `keep_old_for` (src/rules/secretRotation.ts). The answer is the only place the new
     * secret is ever shown.
     */
    async rotateSecret(accountId: string, id: string, body: RotateSecretBody): Promise<RotatedSecret> {
      const secret = body.secret_key ?? newSigningSecret();
      const now = await clock();
      return db.transaction(async (trx) => {
        // Locked: of two rotations at once, the second keeps the first one's secret as the old one.
        const current = await find(accountId, id, trx, true);
        const kept = afterRotation(current.secret_key_sealed, body.keep_old_for, now);
        await webhooks.update(trx, id, {
          secret_key_sealed: secrets.seal(secret),
          old_secret_key_sealed: kept.old,
          old_secret_expires_at: kept.oldExpiresAt,
          updated_at: trx.fn.now(),
        });
        return { secret_key: secret, old_secret_expires_at: toIso(kept.oldExpiresAt) };
      });
    },

    async remove(accountId: string, id: string): Promise<void> {
      if (!(await webhooks.softDelete(accountId, id))) throw new NotFoundError('webhook', id);
      wakeTokenWaiters(id);
    },

    async list(accountId: string, q: WebhookListQuery): Promise<Page<WebhookRow>> {
      return webhooks.list(accountId, q);
    },

    assertEnabled(row: WebhookRow): void {
      if (!row.enabled)
        throw new ConflictError(
          `webhook ${row.id} is disabled${row.disabled_reason ? `: ${row.disabled_reason}` : ''}`,
        );
    },
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
