import { useApi } from '../../api/session';
import type { Page, Webhook } from '../../api/types';
import { useResource, type Resource } from '../../hooks/useResource';

/** At most this many pages of webhooks are read for the pickers (100 each). */
const MAX_PAGES = 10;

/** The account's webhooks, every page (for a Webhook picker and for showing names in lists). */
export function useAllWebhooks(): Resource<Webhook[]> {
  const api = useApi();
  return useResource(async () => {
    const all: Webhook[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < MAX_PAGES; i += 1) {
      const page = await api.get<Page<Webhook>>('/v1/webhooks', { limit: 100, cursor });
      all.push(...page.data);
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    return all;
  }, [api]);
}

/** What a webhook is called on screen: its name, else its target URL. */
export function webhookLabel(w: Pick<Webhook, 'name' | 'target_url'>): string {
  return w.name?.trim() ? w.name : w.target_url;
}
