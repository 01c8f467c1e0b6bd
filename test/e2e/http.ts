/** A JSON request to a running Switchyard, with an optional bearer key; the body parsed if any. */
export async function json(url: string, init: RequestInit & { key?: string; body?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.key) headers.authorization = `Bearer ${init.key}`;
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Subscribes one webhook to every event type at `targetUrl`, then posts one event: its answer. */
export async function subscribeAndPost(api: string, key: string, targetUrl: string, eventId: string) {
  await json(`${api}/v1/webhooks`, {
    method: 'POST',
    key,
    body: JSON.stringify({ event_type: '*', target_url: targetUrl }),
  });
  return json(`${api}/v1/events`, {
    method: 'POST',
    key,
    body: JSON.stringify({ id: eventId, type: 'order.created', payload: {} }),
  });
}
