import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'switchyard'): Logger {
  return pino({
    name,
    level,
    // Never log credentials, even by accident.
    redact: ['req.headers.authorization', '*.api_key', '*.secret_key', '*.password', '*.token'],
  });
}
