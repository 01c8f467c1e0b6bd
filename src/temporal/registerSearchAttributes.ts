// The embedded dev server registers Switchyard's search attributes only when its SQLite file is
// created (`--search-attribute` is not applied to an existing file), so an install whose `.data`
// predates an attribute would refuse every start that sets it. At start-up, the process that runs
// the embedded server adds whatever is missing.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../constants';
import type { Logger } from '../logger';

// INDEXED_VALUE_TYPE_KEYWORD (every Switchyard attribute is a Keyword); the proto package is the
// client's, so only its type is imported here.
const KEYWORD = 2 as temporal.api.enums.v1.IndexedValueType;

/** Adds the Switchyard search attributes the namespace lacks; answers the names it added. */
export async function registerMissingSearchAttributes(client: Client, logger?: Logger): Promise<string[]> {
  const namespace = client.options.namespace;
  const operator = client.connection.operatorService;
  const { customAttributes } = await operator.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTES.filter((sa) => !(sa.name in (customAttributes ?? {}))).map(
    (sa) => sa.name,
  );
  if (missing.length === 0) return [];
  await operator.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])),
  });
  logger?.info({ added: missing }, 'registered missing search attributes with the embedded Temporal server');
  return missing;
}
