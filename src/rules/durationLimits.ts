/**
 * The longest duration the contract accepts anywhere (webhook delays, channel delays and periods,
 * shifts, jitter): 366 days, a year with its leap day. Beyond that a value is a typo, and far
 * beyond it a sleep cannot even be written as a date (the deliverWebhook workflow checks again).
 * No zod here: the workflow bundle imports it.
 */
export const MAX_DURATION_MS = 366 * 86_400_000;
export const MAX_DURATION = '366d';
