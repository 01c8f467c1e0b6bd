/**
 * zod-to-openapi renders a nullable union (`z.union([...]).nullable()`, a nullable discriminated
 * union) for OpenAPI 3.0 as `oneOf: [...branches, {nullable: true}]`. That last branch has no type,
 * and OpenAPI 3.0's `nullable` means nothing without one: the branch is the empty schema, which
 * admits any value, so the document says the field takes anything (a fuzzer then sends numbers and
 * arrays there, and client generators type it as `any`). This rewrites each such union into what
 * 3.0 can say: `anyOf` of the branches, each nullable itself (a `$ref` branch wrapped in `allOf`,
 * since siblings of `$ref` are ignored). `anyOf` rather than `oneOf`: null now matches every branch.
 */
type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{nullable: true}`, perhaps with a description or default: no type, so it admits anything. */
function isBareNullable(s: unknown): boolean {
  return (
    isObject(s) &&
    s.nullable === true &&
    Object.keys(s).every((k) => k === 'nullable' || k === 'description' || k === 'default')
  );
}

function nullableBranch(branch: unknown): unknown {
  if (!isObject(branch)) return branch;
  if ('$ref' in branch) return { allOf: [branch], nullable: true };
  return { ...branch, nullable: true };
}

/** A copy of `doc` with every nullable union rewritten (see above); everything else unchanged. */
export function fixNullableUnions<T>(doc: T): T {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!isObject(node)) return node;
    const out: Schema = {};
    for (const [k, v] of Object.entries(node)) out[k] = walk(v);
    for (const key of ['oneOf', 'anyOf'] as const) {
      const branches = out[key];
      if (!Array.isArray(branches) || !branches.some(isBareNullable)) continue;
      const rest = branches.filter((b) => !isBareNullable(b));
      delete out[key];
      out.anyOf = rest.map(nullableBranch);
    }
    return out;
  };
  return walk(doc) as T;
}
