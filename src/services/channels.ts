import type { Knex } from 'knex';
import { TASK_QUEUE } from '../constants';
import { AppError, UnavailableError, ValidationError } from '../errors';
import { newId, randomToken } from '../ids';
import { channelConfigProblems } from '../rules/channelConfig';
import { checkTargetUrl } from '../rules/urlSafety';
import { afterRotation } from '../rules/secretRotation';
import {
  createChannelsRepository,
  type ChannelAutomationRow,
  type ChannelRotation,
  type ChannelRow,
} from '../repositories/channels';
import type { RotatedInboundToken, RotateInboundTokenBody } from '../schemas/channels';
import { toIso, type RotatedSecret, type RotateSecretBody } from '../schemas/common';
import { newSigningSecret } from '../secrets';
import { createJobRunsRepository } from '../repositories/jobRuns';
import type { AfterCommit } from '../db/afterCommit';
import { jobRunFailed } from '../rules/operationalEvents';
import { createOperationalEvents } from '../webhooks/operationalEvents';
import { createServiceDispatcher } from './events';
import { createAutomation } from './automation';
import { automationOf, loadChannel, presentChannel, type ChannelView } from './channelRows';
import { createChannelJobsView } from './channelJobs';
import { createTriggers, sha256 } from './triggers';
import { createJobRunsService } from './jobRuns';
import { createRecurringJobsService } from './recurringJobs';
import { reconcileAll } from './reconcile';
import { serviceClock, type ServiceDeps } from './deps';

type Kind = ChannelRow['kind'];
type Release = ChannelRow['release'];
type Mode = ChannelRow['mode'];

/** A channel's bearer token for inbound webhooks: 24 random bytes, stored as its sha256. */
const newInboundToken = () => `syin_${randomToken(24)}`;

export interface ConnectorInput {
  url: string;
  headers?: Record<string, string> | null | undefined;
  secret_key?: string | null | undefined;
}

export interface CreateChannelInput {
  name: string;
  kind: Kind;
  release: Release;
  mode: Mode;
  connector: ConnectorInput;
  webhook_jobs: ChannelRow['webhook_jobs'] | null;
  recurring_jobs: ChannelRow['recurring_jobs'] | null;
}

export type PatchChannelInput = Partial<Omit<CreateChannelInput, 'connector'>> & {
  connector?: Partial<ConnectorInput> | undefined;
};

export function createChannelsService(deps: ServiceDeps, opts: { taskQueue?: string } = {}) {
  const { db, temporal, config, secrets, logger } = deps;
  const taskQueue = opts.taskQueue ?? TASK_QUEUE;
  const automation = createAutomation(temporal, { taskQueue, searchAttributes: deps.searchAttributes });
  const channels = createChannelsRepository(db);
  const jobRuns = createJobRunsRepository(db);
  const operational = createOperationalEvents({ db, logger, dispatcher: createServiceDispatcher(deps) });
  const clock = serviceClock(deps);

  const headerNames = (row: ChannelRow) =>
    row.connector_headers ? Object.keys(JSON.parse(secrets.open(row.connector_headers)) as object) : [];
  const present = (row: ChannelRow): ChannelView => presentChannel(row, headerNames(row));

  /**
   * A rotation of the channel's row, locked: of two rotations at once, the second keeps the value
   * the first one set as the old one. Temporal is not involved.
   */
  async function rotate<T>(
    accountId: string,
    id: string,
    make: (row: ChannelRow, now: Date) => { rotation: ChannelRotation; result: T },
  ): Promise<T> {
    const now = await clock();
    return db.transaction(async (trx) => {
      const { rotation, result } = make(await loadChannel(channels, accountId, id, { trx, lock: true }), now);
      await channels.rotate(id, rotation, trx);
      return result;
    });
  }

  async function checkConnectorUrl(url: string): Promise<void> {
    const verdict = await checkTargetUrl(url, {
      allowPrivate: config.SWITCHYARD_ALLOW_PRIVATE_TARGETS,
      resolveNames: !config.SWITCHYARD_OUTBOUND_SINK,
    });
    if (!verdict.ok) throw ValidationError.field('connector.url', verdict.reason);
  }

  function checkConfig(c: { release: Release; recurring_jobs: ChannelRow['recurring_jobs'] }): void {
    const problems = channelConfigProblems(c);
    if (problems.length) throw new ValidationError(problems);
  }

  /**
   * A channel change and the Temporal changes it implies, in one transaction: when Temporal
   * refuses, nothing is written, and whatever Temporal already changed is put back (best effort;
   * start-up reconciliation is the backstop).
   */
  async function changeChannel<T>(
    work: (
      trx: Knex.Transaction,
    ) => Promise<{ result: T; before: ChannelAutomationRow | null; after: ChannelAutomationRow | null }>,
  ): Promise<T> {
    let change: { before: ChannelAutomationRow | null; after: ChannelAutomationRow | null } | undefined;
    try {
      return await db.transaction(async (trx) => {
        const done = await work(trx);
        change = done;
        await automation.syncChannel(done.before, done.after);
        return done.result;
      });
    } catch (err) {
      if (!change || err instanceof AppError) throw err;
      const { before, after } = change;
      await automation
        .syncChannel(after, before)
        .catch((e: unknown) =>
          logger.warn({ err: e }, 'could not restore Temporal after a failed channel change'),
        );
      logger.warn({ err }, 'channel change refused: Temporal did not accept it');
      throw new UnavailableError(
        `Temporal did not accept the change (${(err as Error).message}); nothing was changed.`,
      );
    }
  }

  return {
    automation,

    async create(
      accountId: string,
      input: CreateChannelInput,
    ): Promise<{ channel: ChannelView; inboundToken: string }> {
      const recurring = input.recurring_jobs ?? {};
      checkConfig({ release: input.release, recurring_jobs: recurring });
      await checkConnectorUrl(input.connector.url);
      const inboundToken = newInboundToken();
      return changeChannel(async (trx) => {
        const row = await channels.insert(
          {
            id: newId('chn'),
            account_id: accountId,
            name: input.name,
            kind: input.kind,
            release: input.release,
            mode: input.mode,
            connector_url: input.connector.url,
            connector_headers: input.connector.headers
              ? secrets.seal(JSON.stringify(input.connector.headers))
              : null,
            connector_secret: secrets.sealNullable(input.connector.secret_key),
            webhook_jobs: input.webhook_jobs ?? {},
            recurring_jobs: recurring,
            inbound_token_hash: sha256(inboundToken).toString('hex'),
          },
          trx,
        );
        return { result: { channel: present(row), inboundToken }, before: null, after: automationOf(row) };
      });
    },

    async list(
      accountId: string,
      q: { limit: number; cursor?: string | undefined; kind?: Kind; release?: Release; mode?: Mode },
    ) {
      const page = await channels.list(accountId, q);
      return { data: page.data.map(present), next_cursor: page.next_cursor };
    },

    async get(accountId: string, id: string): Promise<ChannelView> {
      return present(await loadChannel(channels, accountId, id));
    },

    async update(accountId: string, id: string, patch: PatchChannelInput): Promise<ChannelView> {
      if (patch.connector?.url !== undefined) await checkConnectorUrl(patch.connector.url);
      return changeChannel(async (trx) => {
        const row = await loadChannel(channels, accountId, id, { trx, lock: true });
        const c = patch.connector ?? {};
        const release = patch.release ?? row.release;
        const recurring =
          patch.recurring_jobs === undefined ? row.recurring_jobs : (patch.recurring_jobs ?? {});
        checkConfig({ release, recurring_jobs: recurring });
        const updated = await channels.update(
          id,
          {
            name: patch.name ?? row.name,
            kind: patch.kind ?? row.kind,
            release,
            mode: patch.mode ?? row.mode,
            connector_url: c.url ?? row.connector_url,
            webhook_jobs: patch.webhook_jobs === undefined ? row.webhook_jobs : (patch.webhook_jobs ?? {}),
            recurring_jobs: recurring,
            ...(c.headers !== undefined
              ? { connector_headers: c.headers ? secrets.seal(JSON.stringify(c.headers)) : null }
              : {}),
            // Set outright, the secret replaces the old one at once: no secret a rotation kept survives it.
            ...(c.secret_key !== undefined
              ? {
                  connector_secret: secrets.sealNullable(c.secret_key),
                  old_connector_secret: null,
                  old_connector_secret_expires_at: null,
                }
              : {}),
          },
          trx,
        );
        return { result: present(updated), before: automationOf(row), after: automationOf(updated) };
      });
    },

    async remove(accountId: string, id: string): Promise<void> {
      const afterCommit: AfterCommit = [];
      await changeChannel(async (trx) => {
        const row = await loadChannel(channels, accountId, id, { trx, lock: true });
        await channels.remove(id, trx);
        // Runs still waiting out a delay will find no channel: say so now rather than after the delay.
        const failed = await jobRuns.failPending(id, 'the channel was deleted', trx);
        for (const run of failed) {
          await operational.record(
            trx,
            afterCommit,
            jobRunFailed({ accountId, occurredAt: new Date() }, run, run.error),
          );
        }
        return { result: undefined, before: automationOf(row), after: null };
      });
      for (const f of afterCommit) f();
    },

    /**
     * A new connector secret (the one given, or a generated `whsec_` one), keeping the current one
     * for `keep_old_for`: job runs are signed with both meanwhile. Shown this once.
     */
    async rotateConnectorSecret(
      accountId: string,
      id: string,
      body: RotateSecretBody,
    ): Promise<RotatedSecret> {
      const secret = body.secret_key ?? newSigningSecret();
      return rotate(accountId, id, (row, now) => {
        const kept = afterRotation(row.connector_secret, body.keep_old_for, now);
        return {
          rotation: {
            connector_secret: secrets.seal(secret),
            old_connector_secret: kept.old,
            old_connector_secret_expires_at: kept.oldExpiresAt,
          },
          result: { secret_key: secret, old_secret_expires_at: toIso(kept.oldExpiresAt) },
        };
      });
    },

    /** A new inbound token, the current one still accepted for `keep_old_for`. Shown this once. */
    async rotateInboundToken(
      accountId: string,
      id: string,
      body: RotateInboundTokenBody,
    ): Promise<RotatedInboundToken> {
      const token = newInboundToken();
      return rotate(accountId, id, (row, now) => {
        const kept = afterRotation(row.inbound_token_hash, body.keep_old_for, now);
        return {
          rotation: {
            inbound_token_hash: sha256(token).toString('hex'),
            old_inbound_token_hash: kept.old,
            old_inbound_token_expires_at: kept.oldExpiresAt,
          },
          result: { inbound_token: token, old_token_expires_at: toIso(kept.oldExpiresAt) },
        };
      });
    },

    ...createTriggers({ db, temporal, automation, clock }),

    jobs: createChannelJobsView(db, automation),
    runs: createJobRunsService(db),
    recurring: createRecurringJobsService(db, automation, logger),
    reconcileAll: () => reconcileAll(db, temporal, automation, logger),
  };
}

export type ChannelsService = ReturnType<typeof createChannelsService>;
