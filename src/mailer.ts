import nodemailer from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** 'sent' over SMTP, or 'recorded' when no SMTP server is configured. */
  send(mail: Mail): Promise<'sent' | 'recorded'>;
  close(): void;
}

export function createMailer(smtpUrl: string | undefined, from: string): Mailer {
  if (!smtpUrl) {
    return { send: async () => 'recorded', close: () => undefined };
  }
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
      return 'sent';
    },
    close: () => transport.close(),
  };
}
