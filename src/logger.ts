import pino, { type DestinationStream, type Logger } from 'pino';
import { loggableError } from './db/loggableError';

export type { Logger };

export function createLogger(level: string, name = 'switchyard', destination?: DestinationStream): Logger {
  return pino(
    {
      name,
      level,
      // Never log credentials, even by accident.
      redact: ['req.headers.authorization', '*.api_key', '*.secret_key', '*.password', '*.token'],
      // A failed query's error carries its bind values (payloads, header values): log the statement
      // and the error code instead (src/db/loggableError.ts).
      serializers: { err: loggableError },
    },
    destination,
  );
}
