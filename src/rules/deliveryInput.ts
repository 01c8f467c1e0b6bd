import { MAX_DURATION, MAX_DURATION_MS } from './durationLimits';

/**
 * Why deliverWebhook cannot carry out an input, if it cannot. The workflow checks this before
 * anything else and fails the delivery with the reason: a value it cannot sleep on (a delay whose
 * wake-up time is not even a date) would otherwise fail its workflow task on every retry, for ever,
 * with the delivery pending and deaf to cancel. The API refuses such delays; this catches what was
 * stored before it did, and any other starter. No zod: the workflow bundle imports it.
 */
export function deliverInputProblem(input: {
  delayMs?: number | null;
  cycle: number;
  firstAttemptNumber: number;
}): string | undefined {
  const { delayMs } = input;
  if (delayMs != null && !(Number.isSafeInteger(delayMs) && delayMs >= 0 && delayMs <= MAX_DURATION_MS))
    return `its delay (${delayMs} ms) is not a whole number of milliseconds from 0 to ${MAX_DURATION}`;
  if (!Number.isSafeInteger(input.cycle) || input.cycle < 1)
    return `its cycle (${input.cycle}) is not a whole number from 1`;
  if (!Number.isSafeInteger(input.firstAttemptNumber) || input.firstAttemptNumber < 1)
    return `its first attempt number (${input.firstAttemptNumber}) is not a whole number from 1`;
  return undefined;
}
