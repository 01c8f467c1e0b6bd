import { createHash, timingSafeEqual } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { ConflictError, NotFoundError, UnauthorizedError } from '../errors';
import { newId } from '../ids';
import { durationMs } from '../rules/duration';
import { isJobType } from '../rules/jobTypes';
import { liveValues } from '../rules/secretRotation';
import { signalWithStartWorkflow, startWorkflow } from '../temporal/workflowStart';
import { channelIds, inboundSignal, runJobStart, webhookJobStart } from '../workflows/channels/contract';
import { createChannelsRepository } from '../repositories/channels';
import { createJobRunsRepository, PendingWebhookRunExistsError } from '../repositories/jobRuns';
import type { Automation } from './automation';
import { loadChannel } from './channelRows';

/** Inbound bodies kept per run: beyond these, webhooks still join the run but only count. */
export const MAX_KEPT_PAYLOADS = 1000;
export const MAX_KEPT_PAYLOAD_BYTES = 5 * 1024 * 1024;

export const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** What starts job runs from the API: inbound webhooks and manual runs. */
export function createTriggers({
  db,
  temporal,
  automation,
  clock,
}: {
  db: Db;
  temporal: Client;
  /** Its start options: the task queue and whether the server has the search attributes. */
  automation: Automation;
  /** The time an inbound token is checked at (a rotated-out token is accepted until it expires). */
  clock: () => Promise<Date>;
}) {
  const channels = createChannelsRepository(db);
  const jobRuns = createJobRunsRepository(db);
  return {
    /**
     * An inbound webhook. Checks in order: the channel exists (404), the token is its own (401; one
     * a rotation replaced counts until it expires), it is in webhook mode and configures the job
     * type (409). Joins the run that is still waiting out its delay, or makes a new one, and
     * signals-with-start the channel's webhookJob workflow inside the same transaction, so a
     * refused signal writes nothing.
     */
    async inbound(
      channelId: string,
      jobType: string,
      token: string | undefined,
      payload: unknown,
    ): Promise<{ jobRunId: string }> {
      const channel = await channels.findById(channelId);
      if (!channel) throw new NotFoundError('channel', channelId);
      // The current token, and the one a rotation replaced while it is kept, at this request's time.
      const accepted = liveValues(
        {
          current: channel.inbound_token_hash,
          old: channel.old_inbound_token_hash,
          oldExpiresAt: channel.old_inbound_token_expires_at,
        },
        await clock(),
      ).map((hash) => Buffer.from(hash, 'hex'));
      const presented = token ? sha256(token) : null;
      if (!presented || !accepted.some((hash) => timingSafeEqual(presented, hash))) {
        throw new UnauthorizedError(
          'Missing or invalid inbound token. Send Authorization: Bearer <inbound_token>.',
        );
      }
      if (channel.mode !== 'webhook') {
        throw new ConflictError(
          `Channel ${channelId} is in ${channel.mode} mode; inbound webhooks need webhook mode.`,
        );
      }
      const setting = channel.webhook_jobs[jobType];
      if (!setting) throw new ConflictError(`Channel ${channelId} has no webhook job ${jobType}.`);
      const delayMs = durationMs(setting.delay) ?? 0;
      const body = JSON.stringify(payload ?? null);
      const bytes = Buffer.byteLength(body);

      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction(async (trx) => {
            const pending = await jobRuns.findPendingWebhookRun(channelId, jobType, trx);
            let jobRunId: string;
            if (pending) {
              jobRunId = pending.id;
              const keep =
                pending.trigger_count < MAX_KEPT_PAYLOADS &&
                pending.payload_bytes + bytes <= MAX_KEPT_PAYLOAD_BYTES;
              await jobRuns.joinWebhookRun(jobRunId, body, bytes, keep, trx);
            } else {
              jobRunId = newId('jrun');
              await jobRuns.insertWebhookRun(
                {
                  id: jobRunId,
                  account_id: channel.account_id,
                  channel_id: channelId,
                  job_type: jobType,
                  trigger: 'webhook',
                  status: 'pending',
                  scheduled_for: new Date(Date.now() + delayMs),
                  trigger_payloads: `[${body}]`,
                  trigger_count: 1,
                  payload_bytes: bytes,
                  workflow_id: channelIds.jobRun(jobRunId),
                },
                trx,
              );
            }
            const start = webhookJobStart(
              { accountId: channel.account_id, channelId, jobType },
              await automation.startOptions(),
            );
            await signalWithStartWorkflow(temporal, start, inboundSignal, [{ jobRunId, delayMs }]);
            return { jobRunId };
          });
        } catch (err) {
          // Two first webhooks at once: the partial unique index lets one insert; the other joins it.
          if (err instanceof PendingWebhookRunExistsError && attempt < 3) continue;
          throw err;
        }
      }
    },

    /** A manual run: now, once, whatever the channel's mode. */
    async runNow(accountId: string, channelId: string, jobType: string): Promise<{ jobRunId: string }> {
      if (!isJobType(jobType)) throw new NotFoundError('job type', jobType);
      await loadChannel(channels, accountId, channelId);
      const jobRunId = newId('jrun');
      await db.transaction(async (trx) => {
        await jobRuns.insert(
          {
            id: jobRunId,
            account_id: accountId,
            channel_id: channelId,
            job_type: jobType,
            trigger: 'manual',
            status: 'pending',
            scheduled_for: new Date(),
            workflow_id: channelIds.jobRun(jobRunId),
          },
          trx,
        );
        const start = runJobStart(
          { jobRunId, accountId, channelId, jobType, trigger: 'manual' },
          await automation.startOptions(),
        );
        await startWorkflow(temporal, start);
      });
      return { jobRunId };
    },
  };
}
