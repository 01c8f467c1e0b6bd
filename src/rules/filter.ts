/**
 * Payload filters (design.md, Contract v2): which events a webhook receives, judged against the
 * envelope its target would get (`{"event": {type, uuid, occurred_at, goods_owner_id}, "payload"}`,
 * src/webhooks/envelope.ts). Pure: no I/O and no zod (the workflow bundle may import src/rules/).
 *
 * A filter is a JSON object; every key of it must hold (an empty filter matches everything):
 * - a dotted path (`payload.status`, `event.goods_owner_id`, `payload.lines.0.sku`) whose value is a
 *   literal (deep equality) or an operator object (`{"$gt": 10, "$lt": 20}`: every operator holds);
 * - `$and` / `$or`: a non-empty array of filters (all / at least one hold); `$not`: a filter.
 *
 * Paths start at `event` or `payload`. A segment names an object key; on an array it must be an
 * index (`0`, `12`). Keys holding a dot cannot be addressed. There is no implicit array traversal:
 * `payload.lines.sku` is missing, `payload.lines.0.sku` is the first line's sku. A value that is
 * `null` is present (`$exists: true` holds); a path through a missing key, past the end of an array
 * or into a string, number, boolean or null is missing.
 *
 * An object literal is told from an operator object by its keys: an object with any key starting
 * with `$` is an operator object, and all its keys must then be operators. To compare with an object
 * that holds `$` keys, use `$eq`, whose operand is always a literal.
 *
 * Operators, with V the value at the path:
 * - `$eq` / `$ne` (any JSON): V deep-equals / does not deep-equal the operand. Deep equality: same
 *   JSON type; numbers by value; arrays element by element in order; objects by the same keys in
 *   any order with deep-equal values.
 * - `$in` / `$nin` (array): V deep-equals one / none of the elements.
 * - `$gt`, `$gte`, `$lt`, `$lte` (number or string): two numbers compare numerically, two strings
 *   by UTF-16 code units (JavaScript's `<`; RFC 3339 timestamps written alike compare in time).
 *   Mixed types (a number against a string, or V a boolean, null, object or array) never match:
 *   `{"$lt": 5}` does not match `"3"`, and neither does `{"$gte": 5}`.
 * - `$exists` (boolean): whether the path is present.
 * - `$startsWith` (string): V is a string starting with the operand.
 * A missing path fails every operator and literal, except `$exists: false`, `$ne` and `$nin`, which
 * hold (`{"$eq": null}` and a literal `null` do not match a missing path).
 *
 * Limits, checked by `filterProblems`: at most 8 levels of nesting (the filter object is level 1,
 * every object or array inside it one more) and 8 KiB serialized (UTF-8 of its JSON).
 */
import type { ErrorDetail } from '../errors';

export type Filter = Record<string, unknown>;

/** Levels of objects and arrays in a filter, the filter itself counting as level 1. */
export const MAX_FILTER_DEPTH = 8;
/** Bytes of the filter's JSON (UTF-8). */
export const MAX_FILTER_BYTES = 8 * 1024;

export const FILTER_OPERATORS = [
  '$eq',
  '$ne',
  '$in',
  '$nin',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$exists',
  '$startsWith',
] as const;
export const FILTER_COMBINATORS = ['$and', '$or', '$not'] as const;

type Operator = (typeof FILTER_OPERATORS)[number];

/** The messages filterProblems gives (scripts/fuzz_hooks.py lets exactly these through). */
export const FILTER_MESSAGES = {
  notObject: 'must be a filter: a JSON object of paths and $and, $or, $not',
  tooLarge: (bytes: number) =>
    `is a filter of ${bytes} bytes serialized; at most ${MAX_FILTER_BYTES} (8 KiB) are allowed`,
  tooDeep: `nests a filter more than ${MAX_FILTER_DEPTH} levels deep (the filter object is level 1)`,
  badPath:
    'is not a filter path: dot-separated names starting with event or payload ' +
    '(payload.status, event.goods_owner_id, payload.lines.0.sku)',
  unknownCombinator: `is not a known combinator: a filter's keys are paths or ${FILTER_COMBINATORS.join(', ')}`,
  operatorAsKey:
    'is an operator, not a filter key: put it under a path, as in {"payload.status": {"$eq": "shipped"}}',
  unknownOperator: `is not a known operator (${FILTER_OPERATORS.join(', ')}); an object with $ keys is an operator object: compare with such an object through $eq`,
  filters: 'must be a non-empty array of filters',
  array: 'must be an array',
  comparable: 'must be a number or a string',
  boolean: 'must be a boolean',
  string: 'must be a string',
} as const;

const OPERAND_RULES: Record<Operator, ((v: unknown) => boolean) | null> = {
  $eq: null,
  $ne: null,
  $in: Array.isArray,
  $nin: Array.isArray,
  $gt: isComparable,
  $gte: isComparable,
  $lt: isComparable,
  $lte: isComparable,
  $exists: (v) => typeof v === 'boolean',
  $startsWith: (v) => typeof v === 'string',
};
const OPERAND_MESSAGES: Record<Operator, string> = {
  $eq: '',
  $ne: '',
  $in: FILTER_MESSAGES.array,
  $nin: FILTER_MESSAGES.array,
  $gt: FILTER_MESSAGES.comparable,
  $gte: FILTER_MESSAGES.comparable,
  $lt: FILTER_MESSAGES.comparable,
  $lte: FILTER_MESSAGES.comparable,
  $exists: FILTER_MESSAGES.boolean,
  $startsWith: FILTER_MESSAGES.string,
};

function isComparable(v: unknown): v is number | string {
  return typeof v === 'number' || typeof v === 'string';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isOperator(key: string): key is Operator {
  return (FILTER_OPERATORS as readonly string[]).includes(key);
}

/** An operator object: an object with at least one key starting with `$`. */
function isOperatorObject(v: unknown): v is Record<string, unknown> {
  return isPlainObject(v) && Object.keys(v).some((k) => k.startsWith('$'));
}

const INDEX = /^(?:0|[1-9][0-9]*)$/;

function isValidPath(key: string): boolean {
  const segments = key.split('.');
  return (segments[0] === 'event' || segments[0] === 'payload') && segments.every((s) => s.length > 0);
}

const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));

/** The first value nested deeper than MAX_FILTER_DEPTH, as a path; undefined when none is. */
function tooDeepAt(value: unknown, path: string, depth: number): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_FILTER_DEPTH) return path;
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  for (const [k, v] of entries) {
    const at = tooDeepAt(v, join(path, k), depth + 1);
    if (at !== undefined) return at;
  }
  return undefined;
}

function conditionProblems(value: unknown, path: string, out: ErrorDetail[]): void {
  if (!isOperatorObject(value)) return; // a literal: any JSON
  for (const [op, operand] of Object.entries(value)) {
    const at = join(path, op);
    if (!isOperator(op)) {
      out.push({ path: at, message: FILTER_MESSAGES.unknownOperator });
      continue;
    }
    const rule = OPERAND_RULES[op];
    if (rule && !rule(operand)) out.push({ path: at, message: OPERAND_MESSAGES[op] });
  }
}

function shapeProblems(filter: unknown, path: string, out: ErrorDetail[]): void {
  if (!isPlainObject(filter)) {
    out.push({ path, message: FILTER_MESSAGES.notObject });
    return;
  }
  for (const [key, value] of Object.entries(filter)) {
    const at = join(path, key);
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0)
        out.push({ path: at, message: FILTER_MESSAGES.filters });
      else value.forEach((f, i) => shapeProblems(f, join(at, i), out));
    } else if (key === '$not') {
      shapeProblems(value, at, out);
    } else if (key.startsWith('$')) {
      out.push({
        path: at,
        message: isOperator(key) ? FILTER_MESSAGES.operatorAsKey : FILTER_MESSAGES.unknownCombinator,
      });
    } else if (!isValidPath(key)) {
      out.push({ path: at, message: FILTER_MESSAGES.badPath });
    } else {
      conditionProblems(value, at, out);
    }
  }
}

/**
 * What is wrong with a filter (empty: it is valid), each problem at its path under `prefix`
 * (`filter.$and.1.payload.status.$gt`). The size and depth limits are checked first; a filter over
 * either is reported once, without looking further. Recursion is bounded: the request's JSON is at
 * most 64 levels deep (src/rules/jsonInput.ts), and the shape is walked only within 8.
 */
export function filterProblems(filter: unknown, prefix = 'filter'): ErrorDetail[] {
  if (!isPlainObject(filter)) return [{ path: prefix, message: FILTER_MESSAGES.notObject }];
  const bytes = new TextEncoder().encode(JSON.stringify(filter)).length;
  if (bytes > MAX_FILTER_BYTES) return [{ path: prefix, message: FILTER_MESSAGES.tooLarge(bytes) }];
  const deep = tooDeepAt(filter, prefix, 1);
  if (deep !== undefined) return [{ path: deep, message: FILTER_MESSAGES.tooDeep }];
  const out: ErrorDetail[] = [];
  shapeProblems(filter, prefix, out);
  return out;
}

/** JSON deep equality (see the module comment). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  const ka = Object.keys(a);
  const bo = b as Record<string, unknown>;
  if (ka.length !== Object.keys(bo).length) return false;
  return ka.every((k) => Object.hasOwn(bo, k) && deepEqual((a as Record<string, unknown>)[k], bo[k]));
}

type Resolved = { found: true; value: unknown } | { found: false };
const MISSING: Resolved = { found: false };

/** The value at a dotted path of `doc` (see the module comment for what is missing). */
export function resolvePath(doc: unknown, path: string): Resolved {
  let cur: unknown = doc;
  for (const segment of path.split('.')) {
    if (Array.isArray(cur)) {
      if (!INDEX.test(segment)) return MISSING;
      const i = Number(segment);
      if (i >= cur.length) return MISSING;
      cur = cur[i];
    } else if (isPlainObject(cur)) {
      if (!Object.hasOwn(cur, segment)) return MISSING;
      cur = cur[segment];
    } else {
      return MISSING;
    }
  }
  return { found: true, value: cur };
}

function compare(v: unknown, operand: unknown, holds: (order: number) => boolean): boolean {
  if (typeof v === 'number' && typeof operand === 'number') return holds(v - operand);
  if (typeof v === 'string' && typeof operand === 'string')
    return holds(v < operand ? -1 : v > operand ? 1 : 0);
  return false; // mixed types never match
}

function operatorHolds(op: string, operand: unknown, r: Resolved): boolean {
  const v = r.found ? r.value : undefined;
  switch (op) {
    case '$eq':
      return r.found && deepEqual(v, operand);
    case '$ne':
      return !r.found || !deepEqual(v, operand);
    case '$in':
      return r.found && Array.isArray(operand) && operand.some((x) => deepEqual(v, x));
    case '$nin':
      return !r.found || (Array.isArray(operand) && !operand.some((x) => deepEqual(v, x)));
    case '$gt':
      return r.found && compare(v, operand, (o) => o > 0);
    case '$gte':
      return r.found && compare(v, operand, (o) => o >= 0);
    case '$lt':
      return r.found && compare(v, operand, (o) => o < 0);
    case '$lte':
      return r.found && compare(v, operand, (o) => o <= 0);
    case '$exists':
      return operand === r.found;
    case '$startsWith':
      return r.found && typeof v === 'string' && typeof operand === 'string' && v.startsWith(operand);
    default:
      return false; // never stored: filterProblems refuses unknown operators
  }
}

function conditionHolds(condition: unknown, r: Resolved): boolean {
  if (isOperatorObject(condition))
    return Object.entries(condition).every(([op, operand]) => operatorHolds(op, operand, r));
  return r.found && deepEqual(r.value, condition);
}

/**
 * Whether `doc` (an envelope) passes a filter that filterProblems accepted. Total: it never throws,
 * and a shape filterProblems would refuse does not match.
 */
export function matchesFilter(filter: Filter, doc: unknown): boolean {
  if (!isPlainObject(filter)) return false;
  return Object.entries(filter).every(([key, value]) => {
    switch (key) {
      case '$and':
        return Array.isArray(value) && value.every((f) => matchesFilter(f as Filter, doc));
      case '$or':
        return Array.isArray(value) && value.some((f) => matchesFilter(f as Filter, doc));
      case '$not':
        return isPlainObject(value) && !matchesFilter(value, doc);
      default:
        return !key.startsWith('$') && conditionHolds(value, resolvePath(doc, key));
    }
  });
}
