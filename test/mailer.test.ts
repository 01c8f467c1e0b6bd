import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '../src/mailer';

describe('the mailer', () => {
  let server: SMTPServer;
  const received: Array<{ from: string; to: string[]; data: string }> = [];

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString()));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            data,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends over SMTP when SMTP_URL is set', async () => {
    const port = (server.server.address() as AddressInfo).port;
    const mailer = createMailer(`smtp://127.0.0.1:${port}`, 'Switchyard <noreply@example.com>');
    expect(await mailer.send({ to: 'ops@example.com', subject: 'Delivery failed', text: 'details' })).toBe(
      'sent',
    );
    mailer.close();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ from: 'noreply@example.com', to: ['ops@example.com'] });
    expect(received[0]?.data).toContain('Subject: Delivery failed');
  });

  it('only records when no SMTP server is configured', async () => {
    const mailer = createMailer(undefined, 'x@example.com');
    expect(await mailer.send({ to: 'ops@example.com', subject: 's', text: 't' })).toBe('recorded');
  });
});
