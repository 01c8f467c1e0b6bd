// What of a database error may be logged. A failed query's error carries the values it was given:
// PGlite attaches the bind parameters (`params`), knex its `bindings` (timeouts), PostgreSQL echoes
// values in `detail` ("Key (id)=(...)", "Failing row contains (...)"), in `where` ("JSON data,
// line 1: ...") and, for data exceptions, at the end of the message (`for type integer: "..."`).
// Those values are event payloads and webhook header values: credentials. A log line keeps the
// statement (placeholders only), the SQLSTATE code and the names of what failed — never a value.

/** Properties that may hold bound or stored values, on any error. */
const VALUE_FIELDS = new Set([
  'bindings',
  'params',
  'parameters',
  'detail',
  'where',
  'internalQuery',
  'hint',
]);

/** Properties of a PostgreSQL error that name things (a constraint, a table) but hold no values. */
const NAME_FIELDS = ['severity', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine'] as const;

type Loose = Error & Record<string, unknown>;

function isDatabaseError(err: Loose): boolean {
  return typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) && typeof err.severity === 'string';
}

/**
 * knex prefixes the driver's message with the statement (`<sql> - <message>`); for data exceptions
 * (SQLSTATE class 22) PostgreSQL ends the message with the offending value: cut it off.
 */
function safeMessage(err: Loose): string {
  const message = err.message;
  if (!String(err.code).startsWith('22')) return message;
  const afterStatement = Math.max(0, message.indexOf(' - '));
  const value = message.indexOf(': "', afterStatement);
  return value < 0 ? message : `${message.slice(0, value)}: (value not logged)`;
}

/** The stack's frames under a new first line: V8 repeats the (unsafe) message at its top. */
function framesUnder(head: string, stack: unknown): string {
  const frames = typeof stack === 'string' ? stack.split('\n').filter((l) => /^\s+at /.test(l)) : [];
  return [head, ...frames].join('\n');
}

/**
 * A log-safe copy of an error (and of its causes), in the shape of pino's own `err` serializer
 * (type, message, stack, own fields). Database errors become `{type, message, code, statement,
 * constraint, ...}`; value-holding fields are dropped from every error. Non-errors pass unchanged.
 */
export function loggableError(value: unknown, depth = 0): unknown {
  if (!(value instanceof Error) || depth > 5) return value;
  const err = value as Loose;
  const type = err.constructor?.name ?? 'Error';
  const out: Record<string, unknown> = { type };
  if (isDatabaseError(err)) {
    const message = safeMessage(err);
    const split = message.indexOf(' - ');
    out.message = message;
    out.code = err.code;
    if (split > 0) out.statement = message.slice(0, split);
    for (const field of NAME_FIELDS) if (err[field] !== undefined) out[field] = err[field];
    out.stack = framesUnder(`${type}: ${message}`, err.stack);
  } else {
    out.message = err.message;
    out.stack = err.stack;
    for (const [k, v] of Object.entries(err)) {
      if (!VALUE_FIELDS.has(k) && k !== 'cause' && out[k] === undefined) out[k] = v;
    }
  }
  if (err.cause !== undefined) out.cause = loggableError(err.cause, depth + 1);
  return out;
}
