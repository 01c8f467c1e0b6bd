import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { noop } = proxyActivities<Activities>({ startToCloseTimeout: '10s' });

/** The smallest useful workflow: one no-op activity. The benchmark's Temporal ceiling. */
export async function noopWorkflow(): Promise<void> {
  await noop();
}
