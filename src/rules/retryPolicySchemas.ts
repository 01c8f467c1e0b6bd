import { z } from 'zod';
import {
  MAX_COUNTDOWN_SECONDS,
  MAX_EXPONENTIAL_FACTOR,
  MAX_MAX_ATTEMPTS,
  MIN_MAX_ATTEMPTS,
  type CountdownConfig,
  type RetryPolicyName,
} from './retryPolicy';

// The request-side schemas of the retry rules, kept apart from retryPolicy.ts so that zod stays
// out of the workflow bundle.

const seconds = z.number().int().min(0).max(MAX_COUNTDOWN_SECONDS);
// OMS clients sometimes send an absent optional as null: treat both as "not given".
const optionalSeconds = seconds.nullable().optional();

export const countdownConfigSchema = z.discriminatedUnion('choice', [
  z.strictObject({ choice: z.literal('fixed'), kwargs: z.strictObject({ seconds }) }),
  z.strictObject({
    choice: z.literal('linear'),
    kwargs: z.strictObject({ base: seconds, limit: optionalSeconds }),
  }),
  z.strictObject({
    choice: z.literal('exponential'),
    kwargs: z.strictObject({
      base: seconds,
      factor: z.number().int().min(0).max(MAX_EXPONENTIAL_FACTOR).nullable().optional(),
      limit: optionalSeconds,
    }),
  }),
  z.strictObject({
    choice: z.literal('random'),
    kwargs: z
      .strictObject({ min_value: seconds, max_value: seconds })
      .refine((k) => k.max_value > k.min_value, {
        path: ['max_value'],
        message: 'must be greater than min_value',
      }),
  }),
]);

export const retryPolicyNameSchema = z.enum(['none', 'one_day', 'countdown']);
export const maxAttemptsSchema = z.number().int().min(MIN_MAX_ATTEMPTS).max(MAX_MAX_ATTEMPTS);

// The schemas and the plain types in retryPolicy.ts must describe the same values.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const countdownTypesAgree: Same<z.infer<typeof countdownConfigSchema>, CountdownConfig> = true;
export const policyNamesAgree: Same<z.infer<typeof retryPolicyNameSchema>, RetryPolicyName> = true;
