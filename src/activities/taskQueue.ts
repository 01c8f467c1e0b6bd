import { Context } from '@temporalio/activity';
import { TASK_QUEUE } from '../constants';

/** The task queue of the activity running now; the default one outside an activity (tests). */
export function currentTaskQueue(): string {
  try {
    return Context.current().info.taskQueue;
  } catch {
    return TASK_QUEUE;
  }
}
