import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { NoopWorkflow } from './noopContract';

const { noop } = proxyActivities<Activities>({ startToCloseTimeout: '10s' });

/** The smallest useful workflow: one no-op activity. The benchmark's Temporal ceiling. */
export async function noopWorkflow(): Promise<void> {
  await noop();
}

// Starters are typed with the contract's signature: keep the workflow to it.
noopWorkflow satisfies NoopWorkflow;
