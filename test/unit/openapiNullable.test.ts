import { describe, expect, it } from 'vitest';
import { fixNullableUnions } from '../../src/api/openapiNullable';

describe('fixNullableUnions', () => {
  it.each([
    [
      'a nullable oneOf of objects becomes an anyOf of nullable objects',
      { oneOf: [{ type: 'object', properties: {} }, { type: 'string' }, { nullable: true }] },
      {
        anyOf: [
          { type: 'object', properties: {}, nullable: true },
          { type: 'string', nullable: true },
        ],
      },
    ],
    [
      'a $ref branch is wrapped, since siblings of $ref are ignored',
      { anyOf: [{ $ref: '#/components/schemas/X' }, { nullable: true, description: 'or null' }] },
      { anyOf: [{ allOf: [{ $ref: '#/components/schemas/X' }], nullable: true }] },
    ],
    [
      'a union without a bare nullable branch is left alone',
      { oneOf: [{ type: 'string' }, { type: 'integer', nullable: true }] },
      { oneOf: [{ type: 'string' }, { type: 'integer', nullable: true }] },
    ],
    [
      'nested schemas are rewritten too, other keys kept',
      {
        type: 'object',
        properties: { a: { oneOf: [{ type: 'number' }, { nullable: true }], default: null } },
      },
      { type: 'object', properties: { a: { anyOf: [{ type: 'number', nullable: true }], default: null } } },
    ],
  ])('%s', (_name, input, expected) => {
    const before = structuredClone(input);
    expect(fixNullableUnions(input)).toEqual(expected);
    expect(input).toEqual(before); // a copy: the generator's output is not changed
  });
});
