import { describe, expect, it } from 'vitest';
import {
  deepEqual,
  FILTER_MESSAGES,
  filterProblems,
  matchesFilter,
  MAX_FILTER_BYTES,
  MAX_FILTER_DEPTH,
  resolvePath,
  type Filter,
} from '../../src/rules/filter';
import { envelopeOf } from '../../src/webhooks/envelope';

// The envelope a target receives, built as the sender builds it.
const doc = envelopeOf({
  event_id: 'pkg-1001-shipped',
  event_type: 'package.status.shipped',
  occurred_at: '2026-11-23T08:00:00.000Z',
  goods_owner_id: 'GO-1',
  payload: {
    status: 'shipped',
    weight: 12.5,
    count: 3,
    code: '10',
    express: true,
    note: null,
    carrier: { name: 'DHL', service: 'express' },
    lines: [
      { sku: 'A-1', qty: 2 },
      { sku: 'B-2', qty: 1 },
    ],
    tags: ['fragile', 'gift'],
    '7': 'seven',
  },
});

describe('resolvePath', () => {
  it.each<[string, { found: boolean; value?: unknown }]>([
    ['payload.status', { found: true, value: 'shipped' }],
    ['event.type', { found: true, value: 'package.status.shipped' }],
    ['event.uuid', { found: true, value: 'pkg-1001-shipped' }],
    ['event.goods_owner_id', { found: true, value: 'GO-1' }],
    ['event.occurred_at', { found: true, value: '2026-11-23T08:00:00.000Z' }],
    ['payload.carrier.name', { found: true, value: 'DHL' }],
    ['payload.lines.0.sku', { found: true, value: 'A-1' }],
    ['payload.lines.1.qty', { found: true, value: 1 }],
    ['payload.tags.1', { found: true, value: 'gift' }],
    ['payload.7', { found: true, value: 'seven' }], // a numeric segment on an object is a key
    ['payload.note', { found: true, value: null }], // null is present
    ['payload.lines', { found: true, value: doc.payload.lines }],
    ['payload.lines.2.sku', { found: false }], // past the end
    ['payload.lines.01.sku', { found: false }], // not an index
    ['payload.lines.-1', { found: false }],
    ['payload.lines.sku', { found: false }], // no implicit traversal of arrays
    ['payload.status.length', { found: false }], // into a string
    ['payload.note.x', { found: false }], // into null
    ['payload.count.x', { found: false }], // into a number
    ['payload.missing', { found: false }],
    ['payload.carrier.toString', { found: false }], // own keys only
    ['payload.__proto__', { found: false }],
  ])('%s', (path, expected) => {
    expect(resolvePath(doc, path)).toEqual(expected);
  });
});

describe('deepEqual', () => {
  it.each<[unknown, unknown, boolean]>([
    [1, 1, true],
    [1, 1.0, true],
    [1, '1', false],
    [0, false, false],
    [null, null, true],
    [null, {}, false],
    ['a', 'a', true],
    [[1, 2], [1, 2], true],
    [[1, 2], [2, 1], false],
    [[1, 2], [1, 2, 3], false],
    [[], {}, false],
    [{}, [], false],
    [{ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true], // key order does not matter
    [{ a: 1 }, { a: 1, b: 1 }, false],
    [{ a: 1, b: 1 }, { a: 1 }, false],
    [{ a: undefined }, { b: undefined }, false],
    [{ a: { b: { c: [1] } } }, { a: { b: { c: [1] } } }, true],
    [{ a: { b: { c: [1] } } }, { a: { b: { c: [2] } } }, false],
  ])('%j vs %j → %s', (a, b, equal) => {
    expect(deepEqual(a, b)).toBe(equal);
    expect(deepEqual(b, a)).toBe(equal);
  });
});

describe('matchesFilter', () => {
  const cases: [string, Filter, boolean][] = [
    // Literals: deep equality.
    ['a string literal', { 'payload.status': 'shipped' }, true],
    ['a string literal that differs', { 'payload.status': 'packed' }, false],
    ['a number literal', { 'payload.count': 3 }, true],
    ['a number literal vs a numeric string', { 'payload.code': 10 }, false],
    ['a boolean literal', { 'payload.express': true }, true],
    ['a null literal on a null value', { 'payload.note': null }, true],
    ['a null literal on a missing path', { 'payload.missing': null }, false],
    [
      'an object literal, keys in another order',
      { 'payload.carrier': { service: 'express', name: 'DHL' } },
      true,
    ],
    ['an object literal with a key less', { 'payload.carrier': { name: 'DHL' } }, false],
    ['an array literal', { 'payload.tags': ['fragile', 'gift'] }, true],
    ['an array literal in another order', { 'payload.tags': ['gift', 'fragile'] }, false],
    ['an array literal is not "contains"', { 'payload.tags': 'gift' }, false],
    [
      'an array of objects',
      {
        'payload.lines': [
          { qty: 2, sku: 'A-1' },
          { sku: 'B-2', qty: 1 },
        ],
      },
      true,
    ],
    ['an empty object literal', { 'payload.carrier': {} }, false],
    ['a numeric path segment', { 'payload.lines.0.sku': 'A-1' }, true],
    ['a numeric path segment, second line', { 'payload.lines.1.sku': 'A-1' }, false],
    ['event fields', { 'event.type': 'package.status.shipped', 'event.goods_owner_id': 'GO-1' }, true],
    ['the event id is event.uuid', { 'event.uuid': 'pkg-1001-shipped' }, true],
    ['the whole event', { event: { type: 'package.status.shipped' } }, false],
    ['all keys must hold', { 'payload.status': 'shipped', 'payload.count': 4 }, false],
    ['the empty filter', {}, true],
    // $eq / $ne
    ['$eq', { 'payload.status': { $eq: 'shipped' } }, true],
    ['$eq differs', { 'payload.status': { $eq: 'packed' } }, false],
    ['$eq an object', { 'payload.carrier': { $eq: { name: 'DHL', service: 'express' } } }, true],
    ['$eq an object holding $ keys', { 'payload.carrier': { $eq: { $gt: 1 } } }, false],
    ['$eq null on null', { 'payload.note': { $eq: null } }, true],
    ['$eq null on missing', { 'payload.missing': { $eq: null } }, false],
    ['$ne', { 'payload.status': { $ne: 'packed' } }, true],
    ['$ne equal', { 'payload.status': { $ne: 'shipped' } }, false],
    ['$ne across types', { 'payload.count': { $ne: '3' } }, true],
    ['$ne on missing holds', { 'payload.missing': { $ne: 'x' } }, true],
    ['$ne null on missing holds', { 'payload.missing': { $ne: null } }, true],
    ['$ne null on null', { 'payload.note': { $ne: null } }, false],
    // $in / $nin
    ['$in', { 'payload.status': { $in: ['packed', 'shipped'] } }, true],
    ['$in none', { 'payload.status': { $in: ['packed', 'cancelled'] } }, false],
    ['$in empty', { 'payload.status': { $in: [] } }, false],
    ['$in deep', { 'payload.lines.0': { $in: [{ sku: 'A-1', qty: 2 }] } }, true],
    ['$in on missing', { 'payload.missing': { $in: [null] } }, false],
    ['$in does not look inside arrays', { 'payload.tags': { $in: ['gift'] } }, false],
    ['$nin', { 'payload.status': { $nin: ['packed', 'cancelled'] } }, true],
    ['$nin listed', { 'payload.status': { $nin: ['shipped'] } }, false],
    ['$nin empty', { 'payload.status': { $nin: [] } }, true],
    ['$nin on missing holds', { 'payload.missing': { $nin: ['x'] } }, true],
    // $gt $gte $lt $lte: numbers
    ['$gt number', { 'payload.weight': { $gt: 12 } }, true],
    ['$gt number equal', { 'payload.weight': { $gt: 12.5 } }, false],
    ['$gte number equal', { 'payload.weight': { $gte: 12.5 } }, true],
    ['$gte number above', { 'payload.weight': { $gte: 13 } }, false],
    ['$lt number', { 'payload.count': { $lt: 4 } }, true],
    ['$lt number equal', { 'payload.count': { $lt: 3 } }, false],
    ['$lte number equal', { 'payload.count': { $lte: 3 } }, true],
    ['$lte number below', { 'payload.count': { $lte: 2 } }, false],
    ['a range', { 'payload.weight': { $gt: 10, $lte: 20 } }, true],
    ['a range missed', { 'payload.weight': { $gt: 10, $lte: 12 } }, false],
    ['negative numbers', { 'payload.count': { $gt: -1 } }, true],
    // ... strings
    ['$gt string', { 'payload.status': { $gt: 'packed' } }, true],
    ['$lt string', { 'payload.status': { $lt: 'packed' } }, false],
    ['$gte string equal', { 'payload.status': { $gte: 'shipped' } }, true],
    ['$lte string equal', { 'payload.status': { $lte: 'shipped' } }, true],
    ['strings compare by code units, not numerically', { 'payload.code': { $lt: '9' } }, true],
    [
      'timestamps in one format compare in time',
      { 'event.occurred_at': { $gte: '2026-11-01T00:00:00.000Z' } },
      true,
    ],
    ['timestamps after', { 'event.occurred_at': { $lt: '2026-11-23T07:59:59.999Z' } }, false],
    // ... mixed types never match
    ['$lt number vs numeric string value', { 'payload.code': { $lt: 100 } }, false],
    ['$gte number vs numeric string value', { 'payload.code': { $gte: 1 } }, false],
    ['$gt string vs number value', { 'payload.count': { $gt: '1' } }, false],
    ['$lte string vs number value', { 'payload.count': { $lte: '9' } }, false],
    ['$gt vs boolean', { 'payload.express': { $gt: 0 } }, false],
    ['$gte vs null', { 'payload.note': { $gte: 0 } }, false],
    ['$lt vs object', { 'payload.carrier': { $lt: 'z' } }, false],
    ['$lte vs array', { 'payload.tags': { $lte: 'z' } }, false],
    ['$gt on missing', { 'payload.missing': { $gt: 0 } }, false],
    ['$lt on missing', { 'payload.missing': { $lt: 0 } }, false],
    // $exists
    ['$exists true', { 'payload.status': { $exists: true } }, true],
    ['$exists true on null', { 'payload.note': { $exists: true } }, true],
    ['$exists true on missing', { 'payload.missing': { $exists: true } }, false],
    ['$exists false on missing', { 'payload.missing': { $exists: false } }, true],
    ['$exists false on present', { 'payload.status': { $exists: false } }, false],
    ['$exists false past the end of an array', { 'payload.lines.5': { $exists: false } }, true],
    // $startsWith
    ['$startsWith', { 'payload.lines.1.sku': { $startsWith: 'B-' } }, true],
    ['$startsWith no', { 'payload.lines.1.sku': { $startsWith: 'A-' } }, false],
    ['$startsWith empty', { 'payload.status': { $startsWith: '' } }, true],
    ['$startsWith is case-sensitive', { 'payload.status': { $startsWith: 'Ship' } }, false],
    ['$startsWith vs number', { 'payload.count': { $startsWith: '3' } }, false],
    ['$startsWith on missing', { 'payload.missing': { $startsWith: '' } }, false],
    // Combinators
    ['$and all', { $and: [{ 'payload.status': 'shipped' }, { 'payload.count': 3 }] }, true],
    ['$and one fails', { $and: [{ 'payload.status': 'shipped' }, { 'payload.count': 4 }] }, false],
    ['$or one holds', { $or: [{ 'payload.status': 'packed' }, { 'payload.count': 3 }] }, true],
    ['$or none', { $or: [{ 'payload.status': 'packed' }, { 'payload.count': 4 }] }, false],
    ['$not', { $not: { 'payload.status': 'packed' } }, true],
    ['$not of a match', { $not: { 'payload.status': 'shipped' } }, false],
    ['$not of the empty filter', { $not: {} }, false],
    ['$not on missing', { $not: { 'payload.missing': { $exists: true } } }, true],
    [
      'nested combinators',
      {
        'event.goods_owner_id': 'GO-1',
        $or: [
          { $and: [{ 'payload.status': 'shipped' }, { $not: { 'payload.lines.0.qty': { $lt: 2 } } }] },
          { 'payload.express': false },
        ],
      },
      true,
    ],
    ['a combinator beside a failing path', { 'payload.count': 0, $or: [{ 'payload.count': 3 }] }, false],
    // Shapes filterProblems refuses never match (the evaluator does not throw).
    ['an unknown operator', { 'payload.status': { $regex: '.*' } }, false],
    ['an unknown combinator', { $nor: [] }, false],
    ['$and not an array', { $and: { 'payload.status': 'shipped' } } as Filter, false],
  ];

  it.each(cases)('%s', (_what, filter, matches) => {
    expect(matchesFilter(filter, doc)).toBe(matches);
  });

  it('checks every case it claims valid', () => {
    const invalid = cases.filter(([, f]) => filterProblems(f).length > 0).map(([what]) => what);
    expect(invalid).toEqual(['an unknown operator', 'an unknown combinator', '$and not an array']);
  });
});

describe('filterProblems', () => {
  it.each<[string, unknown]>([
    ['the empty filter', {}],
    [
      'every operator',
      {
        'payload.a': { $eq: { any: ['json'] } },
        'payload.b': { $ne: null },
        'payload.c': { $in: [1, 'x', null, { a: 1 }] },
        'payload.d': { $nin: [] },
        'payload.e': { $gt: 1, $gte: 'a', $lt: 2.5, $lte: 'z' },
        'payload.f': { $exists: false },
        'payload.g': { $startsWith: '' },
      },
    ],
    [
      'literals of every JSON type',
      {
        'payload.a': 'x',
        'payload.b': 1,
        'payload.c': true,
        'payload.d': null,
        'payload.e': [1, [2]],
        'payload.f': { nested: { deep: 1 } },
      },
    ],
    ['a literal object whose inner keys start with $', { 'payload.a': { x: { $gt: 1 } } }],
    ['paths into the event', { 'event.type': 'order.created', 'event.uuid': { $startsWith: 'ord-' } }],
    ['the bare roots', { event: { $exists: true }, payload: {} }],
    ['segments that are not names', { 'payload.$weird.0.-': 1, 'payload. ': 2 }],
    ['combinators', { $and: [{ 'payload.a': 1 }], $or: [{}, { $not: { 'payload.b': 2 } }], $not: {} }],
  ])('accepts %s', (_what, filter) => {
    expect(filterProblems(filter)).toEqual([]);
  });

  const M = FILTER_MESSAGES;
  it.each<[string, unknown, [string, string][]]>([
    ['null (the webhook field takes null; a filter does not)', null, [['filter', M.notObject]]],
    ['an array', [], [['filter', M.notObject]]],
    ['a string', 'payload.status', [['filter', M.notObject]]],
    [
      'an unknown operator',
      { 'payload.a': { $regex: 'x' } },
      [['filter.payload.a.$regex', M.unknownOperator]],
    ],
    [
      'a key beside operators',
      { 'payload.a': { $gt: 1, max: 2 } },
      [['filter.payload.a.max', M.unknownOperator]],
    ],
    [
      '$not as an operator',
      { 'payload.a': { $not: { $eq: 1 } } },
      [['filter.payload.a.$not', M.unknownOperator]],
    ],
    ['an operator as a filter key', { $eq: 1 }, [['filter.$eq', M.operatorAsKey]]],
    ['an unknown combinator', { $nor: [{}] }, [['filter.$nor', M.unknownCombinator]]],
    ['a path outside the envelope', { status: 'x' }, [['filter.status', M.badPath]]],
    ['a path under another root', { 'data.status': 'x' }, [['filter.data.status', M.badPath]]],
    ['an empty segment', { 'payload..status': 'x' }, [['filter.payload..status', M.badPath]]],
    ['a trailing dot', { 'payload.': 'x' }, [['filter.payload.', M.badPath]]],
    ['the empty key', { '': 'x' }, [['filter.', M.badPath]]],
    ['$in not an array', { 'payload.a': { $in: 'x' } }, [['filter.payload.a.$in', M.array]]],
    ['$nin not an array', { 'payload.a': { $nin: { a: 1 } } }, [['filter.payload.a.$nin', M.array]]],
    ['$gt a boolean', { 'payload.a': { $gt: true } }, [['filter.payload.a.$gt', M.comparable]]],
    ['$gte null', { 'payload.a': { $gte: null } }, [['filter.payload.a.$gte', M.comparable]]],
    ['$lt an array', { 'payload.a': { $lt: [1] } }, [['filter.payload.a.$lt', M.comparable]]],
    ['$lte an object', { 'payload.a': { $lte: {} } }, [['filter.payload.a.$lte', M.comparable]]],
    ['$exists a string', { 'payload.a': { $exists: 'yes' } }, [['filter.payload.a.$exists', M.boolean]]],
    ['$exists 1', { 'payload.a': { $exists: 1 } }, [['filter.payload.a.$exists', M.boolean]]],
    [
      '$startsWith a number',
      { 'payload.a': { $startsWith: 1 } },
      [['filter.payload.a.$startsWith', M.string]],
    ],
    ['$and not an array', { $and: {} }, [['filter.$and', M.filters]]],
    ['$and empty', { $and: [] }, [['filter.$and', M.filters]]],
    ['$or empty', { $or: [] }, [['filter.$or', M.filters]]],
    ['$or holding a non-filter', { $or: [{}, 'x'] }, [['filter.$or.1', M.notObject]]],
    ['$not an array', { $not: [{}] }, [['filter.$not', M.notObject]]],
    ['$not null', { $not: null }, [['filter.$not', M.notObject]]],
    [
      'the example of the contract',
      { $and: [{ 'payload.a': 1 }, { 'payload.status': { $gt: false } }] },
      [['filter.$and.1.payload.status.$gt', M.comparable]],
    ],
    [
      'every problem, each at its place',
      {
        $or: [{ 'payload.a': { $in: 1 } }, { $not: { 'payload.b': { $oops: 1 }, x: 1 } }],
        'event.type': { $exists: 'no' },
      },
      [
        ['filter.$or.0.payload.a.$in', M.array],
        ['filter.$or.1.$not.payload.b.$oops', M.unknownOperator],
        ['filter.$or.1.$not.x', M.badPath],
        ['filter.event.type.$exists', M.boolean],
      ],
    ],
  ])('refuses %s', (_what, filter, problems) => {
    expect(filterProblems(filter).map((p) => [p.path, p.message])).toEqual(problems);
  });

  it('takes another prefix', () => {
    expect(filterProblems({ x: 1 }, 'body.filter')).toEqual([{ path: 'body.filter.x', message: M.badPath }]);
  });

  describe('limits', () => {
    /** A filter whose deepest value is at `levels` levels (the filter itself is level 1). */
    const nestedNot = (levels: number): Filter => {
      let f: Filter = { 'payload.a': 1 };
      for (let i = 1; i < levels; i++) f = { $not: f };
      return f;
    };

    it(`accepts ${MAX_FILTER_DEPTH} levels and refuses ${MAX_FILTER_DEPTH + 1}, at the first value too deep`, () => {
      expect(filterProblems(nestedNot(MAX_FILTER_DEPTH))).toEqual([]);
      expect(filterProblems(nestedNot(MAX_FILTER_DEPTH + 1))).toEqual([
        { path: `filter${'.$not'.repeat(MAX_FILTER_DEPTH)}`, message: M.tooDeep },
      ]);
    });

    it('counts arrays, operator objects and literals as levels', () => {
      // filter 1, $and array 2, filter 3, $or array 4, filter 5, operator object 6, $in array 7, literal 8
      const eight = { $and: [{ $or: [{ 'payload.a': { $in: [{ x: 1 }] } }] }] };
      expect(filterProblems(eight)).toEqual([]);
      const nine = { $and: [{ $or: [{ 'payload.a': { $in: [{ x: [1] }] } }] }] };
      expect(filterProblems(nine)).toEqual([
        { path: 'filter.$and.0.$or.0.payload.a.$in.0.x', message: M.tooDeep },
      ]);
      // A deep literal counts like anything else.
      expect(filterProblems({ 'payload.a': [[[[[[[1]]]]]]] })).toEqual([]);
      expect(filterProblems({ 'payload.a': [[[[[[[[1]]]]]]]] })).toEqual([
        { path: 'filter.payload.a.0.0.0.0.0.0.0', message: M.tooDeep },
      ]);
    });

    it(`accepts ${MAX_FILTER_BYTES} bytes serialized and refuses one more (UTF-8 bytes, not characters)`, () => {
      const sized = (bytes: number, char = 'x') => {
        const base = JSON.stringify({ 'payload.a': '' }).length;
        const f = { 'payload.a': char.repeat(bytes - base) };
        return f;
      };
      expect(JSON.stringify(sized(MAX_FILTER_BYTES)).length).toBe(MAX_FILTER_BYTES);
      expect(filterProblems(sized(MAX_FILTER_BYTES))).toEqual([]);
      expect(filterProblems(sized(MAX_FILTER_BYTES + 1))).toEqual([
        { path: 'filter', message: M.tooLarge(MAX_FILTER_BYTES + 1) },
      ]);
      // 4100 × "é": fewer than 8192 characters, but two bytes each.
      const wide = { 'payload.a': 'é'.repeat(4100) };
      expect(JSON.stringify(wide).length).toBeLessThan(MAX_FILTER_BYTES);
      expect(filterProblems(wide)).toEqual([{ path: 'filter', message: M.tooLarge(16 + 4100 * 2) }]);
    });

    it('reports the size before anything else, and a deep filter without walking its shape', () => {
      expect(filterProblems({ x: 'y'.repeat(MAX_FILTER_BYTES) })).toHaveLength(1);
      expect(filterProblems({ $nor: nestedNot(MAX_FILTER_DEPTH + 3) }).map((p) => p.message)).toEqual([
        M.tooDeep,
      ]);
    });
  });
});
