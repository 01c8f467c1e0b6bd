import { describe, expect, it } from 'vitest';
import { loggableError } from '../../../src/db/loggableError';

/** A PostgreSQL error as pg / PGlite raise it, after knex put the statement in front of the message. */
function pgError(code: string, message: string, fields: Record<string, unknown>): Error {
  const err = new Error(`insert into "t" ("a") values ($1) - ${message}`);
  return Object.assign(err, { severity: 'ERROR', code, ...fields });
}

describe('loggableError', () => {
  it('keeps the statement, code and names of a database error, and none of its values', () => {
    const err = pgError('23505', 'duplicate key value violates unique constraint "t_pkey"', {
      detail: 'Key (a)=(s3cret) already exists.',
      params: ['s3cret'],
      constraint: 't_pkey',
      table: 't',
    });
    const out = loggableError(err) as Record<string, unknown>;
    expect(JSON.stringify(out)).not.toContain('s3cret');
    expect(out).toMatchObject({
      type: 'Error',
      code: '23505',
      statement: 'insert into "t" ("a") values ($1)',
      constraint: 't_pkey',
      table: 't',
    });
  });

  it('cuts the value a data exception quotes at the end of its message, also from the stack', () => {
    const err = pgError('22P02', 'invalid input syntax for type integer: "s3cret - x"', {});
    const out = loggableError(err) as { message: string; stack: string };
    expect(out.message).toBe(
      'insert into "t" ("a") values ($1) - invalid input syntax for type integer: (value not logged)',
    );
    expect(out.stack).not.toContain('s3cret');
  });

  it('drops value fields from any error and scrubs causes; non-errors pass unchanged', () => {
    const timeout = Object.assign(new Error('Defined query timeout of 10ms exceeded'), {
      sql: 'select $1',
      bindings: ['s3cret'],
    });
    const out = loggableError(new Error('outer', { cause: timeout })) as { cause: Record<string, unknown> };
    expect(JSON.stringify(out)).not.toContain('s3cret');
    expect(out.cause).toMatchObject({ sql: 'select $1', message: 'Defined query timeout of 10ms exceeded' });
    expect(loggableError('text')).toBe('text');
  });
});
