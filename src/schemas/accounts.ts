import { z } from 'zod';
import { requiredName, timestamp } from './common';

export const createAccountBody = z.strictObject({
  name: requiredName,
});

export const accountSchema = z
  .object({ id: z.string(), name: z.string(), created_at: timestamp })
  .meta({ id: 'Account' });

export const createdAccountSchema = accountSchema
  .extend({
    key_id: z.string().meta({ description: "The id of the account's first key (to revoke it later)." }),
    api_key: z.string().meta({ description: 'Shown once; stored hashed.' }),
  })
  .meta({ id: 'CreatedAccount' });

export const accountKeyParams = z.object({ id: z.string().min(1), key_id: z.string().min(1) });

export const apiKeySchema = z
  .object({
    key_id: z.string(),
    created_at: timestamp,
    last_used_at: timestamp
      .nullable()
      .meta({ description: 'When the key last authenticated a request, to the minute; null: never.' }),
  })
  .meta({ id: 'ApiKey', description: 'A live API key; the key itself is never shown again.' });

export const createdKeySchema = z
  .object({ key_id: z.string(), api_key: z.string().meta({ description: 'Shown once; stored hashed.' }) })
  .meta({ id: 'CreatedKey' });
