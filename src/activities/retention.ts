// The retention purge's activity: one step (src/workflows/retention/contract.ts) as a loop of short
// delete statements, each a batch of the oldest purgeable rows, until a batch comes back short.
// Between batches it heartbeats its progress and lets the event loop run, so on PGlite's single
// connection the API's queries take their turn between two batches instead of after the purge.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { createDeliveriesRepository } from '../repositories/deliveries';
import { createEventsRepository, type OrderingKeyRef } from '../repositories/events';
import { createJobRunsRepository } from '../repositories/jobRuns';
import { createNotificationsRepository } from '../repositories/notifications';
import {
  addPurgeCounts,
  noPurgeCounts,
  type PurgeCounts,
  type PurgeStepInput,
  type RetentionStep,
} from '../workflows/retention/contract';
import type { ActivityDeps } from './deps';

/** What a step has done so far: its heartbeat details, from which a retried step resumes. */
interface StepProgress {
  counts: PurgeCounts;
  /** The ordering-key walk's position (the other steps always take the oldest rows left). */
  after: OrderingKeyRef | null;
}

interface Batch {
  counts: Partial<PurgeCounts>;
  /** Another batch may find more. */
  more: boolean;
  after?: OrderingKeyRef | null;
}

export function createRetentionActivities(deps: Pick<ActivityDeps, 'db' | 'logger' | 'config'>) {
  const { db, logger } = deps;
  const deliveries = createDeliveriesRepository(db);
  const events = createEventsRepository(db);
  const jobRuns = createJobRunsRepository(db);
  const notifications = createNotificationsRepository(db);
  // Without an SMTP server a notification is only ever recorded: that is its end.
  const mailing = Boolean(deps.config.SMTP_URL);

  const steps: Record<
    RetentionStep,
    (cutoff: Date, limit: number, after: OrderingKeyRef | null) => Promise<Batch>
  > = {
    deliveries: async (cutoff, limit) => {
      const counts = await deliveries.purgeFinished(cutoff, limit);
      return { counts, more: counts.deliveries === limit };
    },
    events: async (cutoff, limit) => {
      const n = await events.purgeSettled(cutoff, limit);
      return { counts: { events: n }, more: n === limit };
    },
    orderingKeys: async (_cutoff, limit, after) => {
      const { deleted, next } = await events.purgeUnusedOrderingKeys(after, limit);
      return { counts: { orderingKeys: deleted }, more: next !== null, after: next };
    },
    jobRuns: async (cutoff, limit) => {
      const n = await jobRuns.purgeFinished(cutoff, limit);
      return { counts: { jobRuns: n }, more: n === limit };
    },
    notifications: async (cutoff, limit) => {
      const n = await notifications.purgeFinished(cutoff, limit, { mailing });
      return { counts: { notifications: n }, more: n === limit };
    },
  };

  return {
    /** One retention step, batch after batch; answers the rows it deleted, by kind. */
    async purgeExpired(input: PurgeStepInput): Promise<PurgeCounts> {
      const ctx = Context.current();
      const resumed = ctx.info.heartbeatDetails as StepProgress | undefined;
      const progress: StepProgress = resumed ?? { counts: noPurgeCounts(), after: null };
      const cutoff = new Date(input.cutoff);
      for (;;) {
        const batch = await steps[input.step](cutoff, input.batchSize, progress.after);
        addPurgeCounts(progress.counts, batch.counts);
        progress.after = batch.after ?? null;
        ctx.heartbeat(progress);
        if (!batch.more) break;
        ctx.cancellationSignal.throwIfAborted();
        await nextTurn();
      }
      // This step's own counts (the deliveries step: deliveries and attempts).
      const deleted = Object.fromEntries(
        Object.entries(progress.counts).filter(([kind, n]) => n > 0 || kind === input.step),
      );
      logger.info({ step: input.step, cutoff: input.cutoff, deleted }, 'retention step done');
      return progress.counts;
    },
  };
}
