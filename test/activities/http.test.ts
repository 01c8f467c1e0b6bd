// The request a target receives, read off the wire: headers configured on a webhook must not
// produce a header twice (issue 9: a User-Agent in additional_headers went out beside ours).
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSigned, USER_AGENT } from '../../src/activities/http';
import { Receiver } from '../support/receiver';

describe('sendSigned headers on the wire', () => {
  let receiver: Receiver;
  const dispatcher = new Agent();
  beforeAll(async () => {
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
    await dispatcher.close();
  });

  /** Every value the receiver got for `name`, however it was spelled. */
  async function sent(headers: Record<string, string>, name: string): Promise<string[]> {
    const before = receiver.requests.length;
    const result = await sendSigned(dispatcher, {
      url: receiver.url,
      body: '{}',
      headers,
      messageId: 'msg_1',
      signingSecrets: [],
      timeoutMs: 5_000,
    });
    expect(result.ok).toBe(true);
    const raw = receiver.requests[before]!.rawHeaders;
    const values: string[] = [];
    for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) values.push(raw[i + 1]!);
    return values;
  }

  it.each([
    ['User-Agent', { 'User-Agent': 'OMS-Hook/2.1' }, ['OMS-Hook/2.1']],
    ['user-agent', { 'user-agent': 'lower/1' }, ['lower/1']],
    ['USER-AGENT', { 'USER-AGENT': 'upper/1' }, ['upper/1']],
    ['no User-Agent', { 'X-Tenant': 'acme' }, [USER_AGENT]],
  ])(
    'sends one User-Agent when the webhook sets %s: its own, or else ours',
    async (_name, headers, expected) => {
      expect(await sent(headers, 'user-agent')).toEqual(expected);
    },
  );
});
