/**
 * Rules every JSON value from a client must meet before anything else looks at it (README, "Input
 * rules"). PostgreSQL cannot store NUL in text or jsonb and refuses unpaired UTF-16 surrogates in
 * jsonb (the driver would silently turn them into U+FFFD in text); JSON.stringify, the event
 * hash and PostgreSQL's JSON parser all recurse, so a deeply nested body would overflow a stack;
 * a number JSON.parse could not hold exactly would reach the receiver changed; and a "__proto__"
 * key would be dropped by the first copy of its object. All of these are
 * refused rather than repaired: a client must learn that its data would not arrive as sent.
 *
 * The walk is iterative (an explicit stack), so the check itself cannot overflow, and it stops
 * descending at the depth limit. No zod here: the workflow bundle may import src/rules/.
 */

/** Nesting levels of objects and arrays, the request body itself counting as level 1. */
export const MAX_JSON_DEPTH = 64;
/** Problems reported per request at most: enough to fix a body, not enough to flood an answer. */
export const MAX_JSON_PROBLEMS = 20;

export interface JsonProblem {
  /** Keys and array indexes from the checked value down to the offending one. */
  path: (string | number)[];
  message: string;
}

export const NUL_MESSAGE = 'must not contain NUL characters (\\u0000)';
export const SURROGATE_MESSAGE = 'must not contain unpaired UTF-16 surrogates (such as \\ud800)';
export const depthMessage = (maxDepth = MAX_JSON_DEPTH) =>
  `nests objects and arrays more than ${maxDepth} levels deep`;
export const PROTO_KEY_MESSAGE =
  'key "__proto__" is not accepted: JavaScript reads it as the prototype, so the value would be dropped';
export const NUMBER_MESSAGE =
  'is a number that cannot be represented exactly (beyond ±2^53 or out of range); send it as a string';

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored and sent as given, if it cannot. */
export function stringProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return NUL_MESSAGE;
  if (LONE_SURROGATE.test(s)) return SURROGATE_MESSAGE;
  return undefined;
}

/**
 * Integers beyond ±2^53 were already rounded by JSON.parse (a 19-digit order number arrives as
 * another number) and 1e400 became Infinity, which JSON.stringify writes as null.
 */
function numberProblem(n: number): string | undefined {
  if (!Number.isFinite(n)) return NUMBER_MESSAGE;
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) return NUMBER_MESSAGE;
  return undefined;
}

interface Node {
  value: unknown;
  key: string | number | undefined;
  parent: Node | undefined;
  /** 1 for the checked value itself. */
  level: number;
}

function pathOf(node: Node): (string | number)[] {
  const path: (string | number)[] = [];
  for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) path.push(n.key);
  return path.reverse();
}

/** Every problem of a parsed JSON value (empty when it may be stored and sent as it is). */
export function jsonProblems(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem[] {
  const problems: JsonProblem[] = [];
  // Nodes link to their parents instead of carrying paths: a wide body costs no path copies.
  const stack: Node[] = [{ value, key: undefined, parent: undefined, level: 1 }];
  while (stack.length > 0 && problems.length < MAX_JSON_PROBLEMS) {
    const node = stack.pop()!;
    const { value: v, key } = node;
    const keyProblem = typeof key === 'string' ? stringProblem(key) : undefined;
    const problem =
      (keyProblem && `key ${keyProblem}`) ||
      // JSON.parse makes "__proto__" an own key, but copying the object (zod does) sets the
      // prototype instead: the value would vanish without a word, or pollute a prototype.
      (key === '__proto__' && PROTO_KEY_MESSAGE) ||
      (typeof v === 'string' && stringProblem(v)) ||
      (typeof v === 'number' && numberProblem(v)) ||
      (v !== null && typeof v === 'object' && node.level > maxDepth && depthMessage(maxDepth));
    if (problem) {
      problems.push({ path: pathOf(node), message: problem });
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    const children: [string | number, unknown][] = Array.isArray(v)
      ? v.map((item, i) => [i, item])
      : Object.entries(v);
    // Pushed in reverse so that problems come out in document order.
    for (let i = children.length - 1; i >= 0; i--) {
      const [k, item] = children[i]!;
      stack.push({ value: item, key: k, parent: node, level: node.level + 1 });
    }
  }
  return problems;
}
