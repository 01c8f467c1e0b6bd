/** A tiny `--name value` / `--flag` parser: the bench and the drill take a handful of options. */
export interface ArgSpec {
  [name: string]: {
    type: 'number' | 'string' | 'boolean';
    default?: number | string | boolean;
    help: string;
  };
}

export type Parsed<S extends ArgSpec> = {
  [K in keyof S]: S[K]['type'] extends 'number' ? number : S[K]['type'] extends 'boolean' ? boolean : string;
};

export function usage(command: string, spec: ArgSpec): string {
  const lines = [`usage: ${command} [options]`, ''];
  for (const [name, s] of Object.entries(spec)) {
    const value = s.type === 'boolean' ? '' : ` <${s.type}>`;
    const def = s.default === undefined || s.default === '' ? '' : ` (default ${String(s.default)})`;
    lines.push(`  --${name}${value} `.padEnd(28) + `${s.help}${def}`);
  }
  return lines.join('\n');
}

export function parseArgs<S extends ArgSpec>(
  command: string,
  spec: S,
  argv = process.argv.slice(2),
): Parsed<S> {
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(spec)) {
    if (s.default !== undefined) out[name] = s.default;
    else if (s.type === 'boolean') out[name] = false;
  }
  const fail = (message: string): never => {
    process.stderr.write(`${command}: ${message}\n\n${usage(command, spec)}\n`);
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${usage(command, spec)}\n`);
      process.exit(0);
    }
    if (!arg.startsWith('--')) fail(`unexpected argument ${arg}`);
    const [rawName, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const s = spec[rawName];
    if (!s) return fail(`unknown option --${rawName}`);
    if (s.type === 'boolean') {
      out[rawName] = inline === undefined ? true : inline !== 'false';
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) return fail(`--${rawName} needs a value`);
    if (s.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) fail(`--${rawName} must be a non-negative number, got ${value}`);
      out[rawName] = n;
    } else out[rawName] = value;
  }
  return out as Parsed<S>;
}
