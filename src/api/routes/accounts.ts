import type { AccountRow } from '../../repositories/accounts';
import { accountOf } from '../auth';
import type { RouteDeps } from '../deps';
import {
  createAccountBody,
  accountSchema,
  createdAccountSchema,
  accountKeyParams,
  apiKeySchema,
  createdKeySchema,
} from '../../schemas/accounts';
import { idParams, listQuery, listResponse, toIso } from '../../schemas/common';

const present = (a: AccountRow) => ({ id: a.id, name: a.name, created_at: toIso(a.created_at) as string });

export function accountRoutes({ route, services }: RouteDeps): void {
  const tag = 'Accounts';
  route({
    method: 'post',
    path: '/v1/accounts',
    tag,
    auth: 'admin',
    summary: 'Create an account and its first API key',
    body: createAccountBody,
    responses: { 201: { description: 'Created; the key is shown once', schema: createdAccountSchema } },
    handler: async ({ body }) => {
      const { account, keyId, apiKey } = await services.accounts.create(body.name);
      return { status: 201, body: { ...present(account), key_id: keyId, api_key: apiKey } };
    },
  });

  route({
    method: 'get',
    path: '/v1/accounts',
    tag,
    auth: 'admin',
    summary: 'List accounts',
    query: listQuery,
    responses: { 200: { description: 'A page of accounts', schema: listResponse(accountSchema) } },
    handler: async ({ query }) => {
      const page = await services.accounts.list(query);
      return { status: 200, body: { data: page.data.map(present), next_cursor: page.next_cursor } };
    },
  });

  route({
    method: 'get',
    path: '/v1/account',
    tag,
    auth: 'account',
    summary: 'The account of the calling key',
    responses: { 200: { description: "The caller's account", schema: accountSchema } },
    handler: async ({ principal }) => ({
      status: 200,
      body: present(await services.accounts.get(accountOf(principal))),
    }),
  });

  route({
    method: 'post',
    path: '/v1/accounts/{id}/keys',
    tag,
    auth: 'admin',
    summary: 'Add an API key to an account (rotation)',
    params: idParams,
    responses: { 201: { description: 'The new key, shown once', schema: createdKeySchema } },
    handler: async ({ params }) => ({ status: 201, body: await services.accounts.addKey(params.id) }),
  });

  route({
    method: 'get',
    path: '/v1/accounts/{id}/keys',
    tag,
    auth: 'admin',
    summary: "List an account's live API keys (ids and last use, never the keys)",
    params: idParams,
    query: listQuery,
    responses: { 200: { description: 'A page of keys, newest first', schema: listResponse(apiKeySchema) } },
    handler: async ({ params, query }) => {
      const page = await services.accounts.listKeys(params.id, query);
      const data = page.data.map((k) => ({
        key_id: k.id,
        created_at: toIso(k.created_at) as string,
        last_used_at: toIso(k.last_used_at),
      }));
      return { status: 200, body: { data, next_cursor: page.next_cursor } };
    },
  });

  route({
    method: 'delete',
    path: '/v1/accounts/{id}/keys/{key_id}',
    tag,
    auth: 'admin',
    summary: 'Revoke an API key',
    params: accountKeyParams,
    responses: { 204: { description: 'Revoked' } },
    handler: async ({ params }) => {
      await services.accounts.revokeKey(params.id, params.key_id);
      return { status: 204 };
    },
  });
}
