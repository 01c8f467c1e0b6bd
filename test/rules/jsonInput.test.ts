import { describe, expect, it } from 'vitest';
import {
  MAX_JSON_DEPTH,
  MAX_JSON_PROBLEMS,
  NUL_MESSAGE,
  NUMBER_MESSAGE,
  PROTO_KEY_MESSAGE,
  SURROGATE_MESSAGE,
  depthMessage,
  jsonProblems,
  stringProblem,
} from '../../src/rules/jsonInput';

/** `levels` nested arrays around 1: levels 1 is [1]. */
const nestedArrays = (levels: number): unknown => JSON.parse('['.repeat(levels) + '1' + ']'.repeat(levels));
const nestedObjects = (levels: number): unknown =>
  JSON.parse('{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1));

describe('jsonProblems', () => {
  it.each<[string, unknown]>([
    ['an empty object', {}],
    ['scalars', { s: 'text', n: 1.5, i: -42, b: true, z: null }],
    ['a paired surrogate (emoji)', { s: '🔑 \ud83d\udd11' }],
    ['the largest safe integer', { n: Number.MAX_SAFE_INTEGER, m: -Number.MAX_SAFE_INTEGER }],
    ['a large fraction', { n: 1.5e-300, m: 0.1 }],
    ['Latin-1 and other text', { s: 'café Ω 中文 \u0001 \t' }],
    [`${MAX_JSON_DEPTH} levels of arrays`, nestedArrays(MAX_JSON_DEPTH)],
    [`${MAX_JSON_DEPTH} levels of objects`, nestedObjects(MAX_JSON_DEPTH)],
  ])('accepts %s', (_name, value) => {
    expect(jsonProblems(value)).toEqual([]);
  });

  it.each<[string, unknown, (string | number)[], string]>([
    ['NUL in a string', { name: 'a\u0000b' }, ['name'], NUL_MESSAGE],
    [
      'NUL deep down',
      { payload: { lines: [{ sku: 'x' }, { sku: '\u0000' }] } },
      ['payload', 'lines', 1, 'sku'],
      NUL_MESSAGE,
    ],
    ['NUL in a key', { payload: { 'a\u0000': 1 } }, ['payload', 'a\u0000'], `key ${NUL_MESSAGE}`],
    ['a lone high surrogate', { s: '\ud800' }, ['s'], SURROGATE_MESSAGE],
    ['a lone low surrogate', { s: 'x\udc00y' }, ['s'], SURROGATE_MESSAGE],
    ['reversed surrogates', { s: '\udc00\ud800' }, ['s'], SURROGATE_MESSAGE],
    ['a lone surrogate in a key', { '\ud800': 1 }, ['\ud800'], `key ${SURROGATE_MESSAGE}`],
    ['a string root with NUL', '\u0000', [], NUL_MESSAGE],
    [
      'a __proto__ key',
      JSON.parse('{"payload":{"__proto__":{"x":1}}}'),
      ['payload', '__proto__'],
      PROTO_KEY_MESSAGE,
    ],
    ['Infinity (1e400)', { n: JSON.parse('1e400') }, ['n'], NUMBER_MESSAGE],
    ['an integer beyond 2^53', { n: JSON.parse('12345678901234567890') }, ['n'], NUMBER_MESSAGE],
    ['-2^53 - 2', [-(2 ** 53) - 2], [0], NUMBER_MESSAGE],
  ])('refuses %s at its path', (_name, value, path, message) => {
    expect(jsonProblems(value)).toEqual([{ path, message }]);
  });

  it.each([
    ['arrays', nestedArrays],
    ['objects', nestedObjects],
  ])('refuses %s one level too deep, naming the first level beyond the limit', (_name, make) => {
    const problems = jsonProblems(make(MAX_JSON_DEPTH + 1));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe(depthMessage());
    expect(problems[0]!.path).toHaveLength(MAX_JSON_DEPTH);
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    expect(jsonProblems(nestedArrays(100_000))).toEqual([
      { path: Array(MAX_JSON_DEPTH).fill(0), message: depthMessage() },
    ]);
  });

  it('reports problems in document order, and at most MAX_JSON_PROBLEMS of them', () => {
    expect(jsonProblems({ a: '\u0000', b: ['\ud800'], c: 1 }).map((p) => p.path)).toEqual([['a'], ['b', 0]]);
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, '\u0000']));
    expect(jsonProblems(many)).toHaveLength(MAX_JSON_PROBLEMS);
  });

  it('takes a smaller depth limit', () => {
    expect(jsonProblems({ a: { b: {} } }, 2)).toEqual([{ path: ['a', 'b'], message: depthMessage(2) }]);
    expect(jsonProblems({ a: { b: 1 } }, 2)).toEqual([]);
  });
});

describe('stringProblem', () => {
  it.each<[string, string | undefined]>([
    ['plain', undefined],
    ['', undefined],
    ['\ud83d\ude00', undefined],
    ['\u0000', NUL_MESSAGE],
    ['\ud83d', SURROGATE_MESSAGE],
    ['\ude00', SURROGATE_MESSAGE],
  ])('%j → %s', (s, expected) => {
    expect(stringProblem(s)).toBe(expected);
  });
});
