import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { BlockList, isIP, isIPv4 } from 'node:net';
import type { LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';

/**
 * Target URL safety (SSRF): webhook and connector URLs may not reach loopback, private, link-local
 * or otherwise non-public addresses unless private targets are explicitly allowed. The check runs
 * when a URL is accepted (checkTargetUrl) and again on every new connection (createSafeDispatcher),
 * because DNS can answer differently the second time (rebinding).
 */

export type UnsafeReason =
  | 'invalid'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'multicast'
  | 'broadcast'
  | 'cgnat'
  | 'benchmarking'
  | 'documentation'
  | 'reserved'
  | 'metadata'
  | 'ipv4-compatible'
  | 'teredo';

type Rule = { reason: UnsafeReason; list: BlockList };

function rules(type: 'ipv4' | 'ipv6', table: [UnsafeReason, string[]][]): Rule[] {
  return table.map(([reason, cidrs]) => {
    const list = new BlockList();
    for (const cidr of cidrs) {
      const [net, bits] = cidr.split('/');
      list.addSubnet(net!, Number(bits), type);
    }
    return { reason, list };
  });
}

// Order matters: the first matching rule names the reason (metadata before link-local/private).
const V4_RULES = rules('ipv4', [
  // AWS/GCP/Azure/OpenStack, Azure wireserver, Alibaba.
  ['metadata', ['169.254.169.254/32', '168.63.129.16/32', '100.100.100.200/32']],
  ['broadcast', ['255.255.255.255/32']],
  ['unspecified', ['0.0.0.0/8']],
  ['loopback', ['127.0.0.0/8']],
  ['private', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']],
  ['cgnat', ['100.64.0.0/10']],
  ['link-local', ['169.254.0.0/16']],
  ['documentation', ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24']],
  ['benchmarking', ['198.18.0.0/15']],
  ['multicast', ['224.0.0.0/4']],
  // IETF protocol assignments, the deprecated 6to4 relay anycast, and the old class E.
  ['reserved', ['192.0.0.0/24', '192.88.99.0/24', '240.0.0.0/4']],
]);

const V6_RULES = rules('ipv6', [
  ['unspecified', ['::/128']],
  ['loopback', ['::1/128']],
  ['metadata', ['fd00:ec2::254/128']],
  ['teredo', ['2001::/32']],
  ['benchmarking', ['2001:2::/48']],
  ['documentation', ['2001:db8::/32', '3fff::/20']],
  // The rest of the IETF protocol-assignment block and local-use NAT64 (a private translator).
  ['reserved', ['2001::/23', '64:ff9b:1::/48']],
  ['private', ['fc00::/7', 'fec0::/10']],
  ['link-local', ['fe80::/10']],
  ['multicast', ['ff00::/8']],
]);

const GLOBAL_UNICAST_V6 = new BlockList();
GLOBAL_UNICAST_V6.addSubnet('2000::', 3, 'ipv6');

/** Classify one IP address (v4 or v6 text form). Non-IP input is 'invalid'. */
export function classifyAddress(ip: string): 'public' | UnsafeReason {
  const addr = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (isIPv4(addr)) return firstMatch(V4_RULES, addr, 'ipv4') ?? 'public';
  // A zone id (fe80::1%eth0) only ever qualifies a link-local address; drop it to classify.
  const v6 = addr.split('%')[0]!;
  if (isIP(v6) !== 6) return 'invalid';
  const b = ipv6Bytes(v6);
  const embedded = embeddedIPv4(b);
  if (embedded) return classifyAddress(embedded);
  if (b.slice(0, 12).every((x) => x === 0) && !(b[12] === 0 && b[13] === 0 && b[14] === 0)) {
    // Deprecated IPv4-compatible ::a.b.c.d: never a legitimate target (::, ::1 fall through).
    return 'ipv4-compatible';
  }
  const hit = firstMatch(V6_RULES, v6, 'ipv6');
  if (hit) return hit;
  // Outside 2000::/3 nothing is allocated as global unicast today.
  return GLOBAL_UNICAST_V6.check(v6, 'ipv6') ? 'public' : 'reserved';
}

function firstMatch(list: Rule[], addr: string, type: 'ipv4' | 'ipv6'): UnsafeReason | undefined {
  return list.find((r) => r.list.check(addr, type))?.reason;
}

/** IPv4 carried inside an IPv6 address that would really be reached: mapped, NAT64, 6to4. */
function embeddedIPv4(b: number[]): string | undefined {
  const v4 = (at: number) => b.slice(at, at + 4).join('.');
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(12); // ::ffff:a.b.c.d
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return v4(12); // 64:ff9b::/96
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2); // 2002:aabb:ccdd::/48 (6to4)
  return undefined;
}

/** 16 bytes of a valid IPv6 address (caller checked with isIP). */
function ipv6Bytes(addr: string): number[] {
  let text = addr;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // Trailing dotted quad: turn it into two hextets.
    const q = text
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    text = `${text.slice(0, lastColon + 1)}${((q[0]! << 8) | q[1]!).toString(16)}:${((q[2]! << 8) | q[3]!).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  const hi = parse(head);
  const lo = rest === undefined ? [] : parse(rest);
  const words = [...hi, ...Array<number>(8 - hi.length - lo.length).fill(0), ...lo];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

const REASON_TEXT: Record<UnsafeReason, string> = {
  invalid: 'not a valid IP address',
  unspecified: 'an unspecified address',
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  multicast: 'a multicast address',
  broadcast: 'a broadcast address',
  cgnat: 'a shared (carrier-grade NAT) address',
  benchmarking: 'a benchmarking address',
  documentation: 'a documentation address',
  reserved: 'a reserved address',
  metadata: 'a cloud metadata address',
  'ipv4-compatible': 'a deprecated IPv4-compatible IPv6 address',
  teredo: 'a Teredo tunnel address',
};

export type HostResolver = (host: string) => Promise<string[]>;

export interface CheckTargetOptions {
  allowPrivate: boolean;
  /** All addresses of a host name; default dns.lookup with `all: true`. */
  lookup?: HostResolver;
  lookupTimeoutMs?: number;
  /**
   * false: host names pass without a DNS lookup (the literal-address and loopback-name rules still
   * apply). Only for an outbound sink (`SWITCHYARD_OUTBOUND_SINK`), where no connection ever
   * reaches the named host, so resolving it would only send DNS queries off the machine.
   */
  resolveNames?: boolean;
}

export type TargetVerdict = { ok: true } | { ok: false; reason: string };

/** Is `url` acceptable as a webhook target / connector URL? Never throws. */
export async function checkTargetUrl(url: string, opts: CheckTargetOptions): Promise<TargetVerdict> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return refuse('is not a valid URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return refuse('must use http or https');
  if (u.username !== '' || u.password !== '') {
    return refuse('must not contain credentials; use auth or additional_headers');
  }
  // WHATWG URL has already normalised IP spellings (2130706433, 0177.0.0.1, 0x7f.1) to dotted form.
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  if (host === '') return refuse('must have a host');
  if (opts.allowPrivate) return { ok: true };

  if (isIP(host)) return verdictFor(host, host);
  const name = host.replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return refuse(`host ${host} is a loopback name`);
  if (opts.resolveNames === false) return { ok: true };

  let addresses: string[];
  try {
    addresses = await withTimeout((opts.lookup ?? resolveAll)(host), opts.lookupTimeoutMs ?? 5_000);
  } catch {
    return refuse(`host ${host} could not be resolved`);
  }
  if (addresses.length === 0) return refuse(`host ${host} could not be resolved`);
  for (const a of addresses) {
    const v = verdictFor(host, a);
    if (!v.ok) return v;
  }
  return { ok: true };
}

function verdictFor(host: string, address: string): TargetVerdict {
  const c = classifyAddress(address);
  if (c === 'public') return { ok: true };
  const via = host === address ? `host ${host} is` : `host ${host} resolves to ${address},`;
  return refuse(`${via} ${REASON_TEXT[c]}; only public addresses are allowed`);
}

function refuse(reason: string): TargetVerdict {
  return { ok: false, reason };
}

function resolveAll(host: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true }, (err, addrs) =>
      err ? reject(err) : resolve(addrs.map((a) => a.address)),
    );
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('lookup timed out')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Raised (as a connect error) when a connection would reach a non-public address. */
export class UnsafeTargetError extends Error {
  readonly code = 'ERR_UNSAFE_TARGET';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly classification: UnsafeReason,
  ) {
    super(`refusing to connect to ${host} (${address}): ${REASON_TEXT[classification]}`);
    this.name = 'UnsafeTargetError';
  }
}

export interface SafeDispatcherOptions {
  allowPrivate: boolean;
  /** Max sockets per origin (undefined: unlimited). */
  connections?: number;
  /** Replaces DNS (tests); used for every connection. */
  lookup?: HostResolver;
  connectTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /**
   * Every connection goes to this loopback address instead of the target (after the target's
   * literal-address check), and no host name is resolved: for fuzzing and staging, where the
   * service must accept real-world URLs but nothing may leave the machine.
   */
  sink?: OutboundSink;
}

/** A loopback host:port that receives every outbound connection (see SafeDispatcherOptions.sink). */
export interface OutboundSink {
  host: string;
  port: number;
}

/** Parses `host:port` / `[::1]:port`; only loopback hosts are accepted, so a sink never leaves the machine. */
export function parseOutboundSink(value: string): OutboundSink | { problem: string } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535)
    return { problem: 'must be host:port, e.g. 127.0.0.1:9999' };
  if (classifyAddress(host) !== 'loopback')
    return { problem: 'must be a loopback address (127.0.0.1 or [::1])' };
  return { host, port };
}

/**
 * An undici Agent (keep-alive pooling as usual) whose connector re-checks the address it is really
 * about to connect to: IP-literal hosts directly, host names inside the socket's DNS lookup — so
 * a name that resolved to a public address at validation time and to 127.0.0.1 now is refused.
 * Redirects are never followed: undici 7's request/dispatch do not follow them unless a redirect
 * interceptor is composed in, and we never add one (a 3xx is just a failed attempt).
 */
export function createSafeDispatcher(opts: SafeDispatcherOptions): Agent {
  const lookup = safeLookup(opts.lookup ?? resolveAll, opts.allowPrivate);
  const base = buildConnector({ timeout: opts.connectTimeoutMs ?? 10_000, lookup });
  const sink = opts.sink;
  const connect: buildConnector.connector = (o, callback) => {
    // net.connect skips `lookup` for IP literals, so those are checked here (undici already
    // stripped the brackets of an IPv6 host).
    if (!opts.allowPrivate && isIP(o.hostname)) {
      const c = classifyAddress(o.hostname);
      if (c !== 'public') {
        const err = new UnsafeTargetError(o.hostname, o.hostname, c);
        queueMicrotask(() => callback(err, null));
        return;
      }
    }
    // The target's own port and protocol are kept in the request; only the socket is redirected.
    if (sink)
      base(
        {
          ...o,
          hostname: sink.host,
          port: String(sink.port),
          ...(isIP(o.hostname) ? {} : { servername: o.hostname }),
        },
        callback,
      );
    else base(o, callback);
  };
  return new Agent({
    connect,
    ...(opts.connections !== undefined ? { connections: opts.connections } : {}),
    ...(opts.keepAliveTimeoutMs !== undefined ? { keepAliveTimeout: opts.keepAliveTimeoutMs } : {}),
  });
}

/** A net.connect `lookup` that resolves with `resolver` and refuses non-public answers. */
export function safeLookup(resolver: HostResolver, allowPrivate: boolean): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    resolver(hostname).then(
      (all) => {
        if (!allowPrivate) {
          for (const a of all) {
            const c = classifyAddress(a);
            // ANY bad answer refuses: otherwise the connection could be steered to it.
            if (c !== 'public') return callback(new UnsafeTargetError(hostname, a, c), '');
          }
        }
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
        const list: LookupAddress[] = all
          .map((address) => ({ address, family: isIP(address) }))
          .filter((a) => a.family !== 0 && (family === 0 || a.family === family));
        if (list.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          err.code = 'ENOTFOUND';
          return callback(err, '');
        }
        if (options.all) return callback(null, list);
        return callback(null, list[0]!.address, list[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
