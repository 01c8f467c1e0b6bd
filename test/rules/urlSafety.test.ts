import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import {
  checkTargetUrl,
  classifyAddress,
  createSafeDispatcher,
  parseOutboundSink,
  type HostResolver,
} from '../../src/rules/urlSafety';

describe('classifyAddress', () => {
  it.each([
    // public, including the neighbours of every blocked range
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['93.184.215.14', 'public'],
    ['9.255.255.255', 'public'],
    ['11.0.0.0', 'public'],
    ['100.63.255.255', 'public'],
    ['100.128.0.0', 'public'],
    ['172.15.255.255', 'public'],
    ['172.32.0.0', 'public'],
    ['192.167.255.255', 'public'],
    ['192.169.0.0', 'public'],
    ['198.17.255.255', 'public'],
    ['198.20.0.0', 'public'],
    ['223.255.255.255', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::808:808', 'public'],
    ['2002:808:808::1', 'public'],
    // IPv4 non-public
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['192.88.99.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    // IPv6 non-public
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fec0::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['fd00:ec2::254', 'metadata'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2001:2::1', 'benchmarking'],
    ['2001:10::1', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['::2', 'reserved'],
    // IPv4 inside IPv6: classified as the IPv4 address actually reached
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::FFFF:7F00:1', 'loopback'],
    ['0:0:0:0:0:ffff:c0a8:0101', 'private'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b:1::1', 'reserved'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['::127.0.0.1', 'ipv4-compatible'],
    ['::7f00:1', 'ipv4-compatible'],
    ['::8.8.8.8', 'ipv4-compatible'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
    // not an IP at all
    ['not-an-ip', 'invalid'],
    ['', 'invalid'],
    ['256.1.1.1', 'invalid'],
    ['1.2.3', 'invalid'],
    ['localhost', 'invalid'],
    ['::ffff:1.2.3.4.5', 'invalid'],
  ])('%s → %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });
});

const DNS: Record<string, string[]> = {
  'example.com': ['93.184.215.14'],
  'v6.example': ['2606:4700:4700::1111', '93.184.215.14'],
  'private.example': ['10.0.0.5'],
  'mixed.example': ['93.184.215.14', '127.0.0.1'],
  'mapped.example': ['::ffff:192.168.1.1'],
  'metadata.example': ['169.254.169.254'],
  'empty.example': [],
};
const fakeLookup: HostResolver = async (host) => {
  const answer = DNS[host.replace(/\.$/, '')];
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return answer;
};
const noLookup: HostResolver = () => {
  throw new Error('must not resolve');
};

describe('checkTargetUrl', () => {
  it.each([
    ['https://example.com/hook', true],
    ['http://example.com:8080/x?y=1', true],
    ['https://example.com./', true],
    ['https://EXAMPLE.com/', true],
    ['https://v6.example/', true],
    ['http://8.8.8.8/', true],
    ['http://[2606:4700:4700::1111]/', true],
    ['http://127.0.0.1/', false],
    ['http://127.0.0.1:3000/hook', false],
    ['http://localhost:3000/', false],
    ['http://LOCALHOST./', false],
    ['http://api.localhost/', false],
    ['http://2130706433/', false],
    ['http://0177.0.0.1/', false],
    ['http://0x7f.1/', false],
    ['http://127.1/', false],
    ['http://%31%32%37.0.0.1/', false],
    ['http://0/', false],
    ['http://[::1]/', false],
    ['http://[::]/', false],
    ['http://[::ffff:127.0.0.1]/', false],
    ['http://[0:0:0:0:0:ffff:a00:1]/', false],
    ['http://[fe80::1]/', false],
    ['http://[fd00:ec2::254]/', false],
    ['http://169.254.169.254/latest/meta-data/', false],
    ['http://10.1.2.3/', false],
    ['http://private.example/', false],
    ['http://mixed.example/', false],
    ['http://mapped.example/', false],
    ['http://metadata.example/', false],
    ['http://nx.example/', false],
    ['http://empty.example/', false],
    ['https://user:pass@example.com/', false],
    ['https://user@example.com/', false],
    ['ftp://example.com/', false],
    ['ws://example.com/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['not a url', false],
    ['', false],
    ['http://', false],
  ])('%s → %s', async (url, ok) => {
    const v = await checkTargetUrl(url, { allowPrivate: false, lookup: fakeLookup });
    expect(v.ok).toBe(ok);
    if (!v.ok) expect(v.reason).toMatch(/\w/);
  });

  it.each([
    ['http://127.0.0.1:3000/', true],
    ['http://localhost/', true],
    ['http://private.example/', true],
    ['http://10.0.0.1/', true],
    ['ftp://127.0.0.1/', false],
    ['http://u:p@127.0.0.1/', false],
  ])('with allowPrivate: %s → %s', async (url, ok) => {
    expect((await checkTargetUrl(url, { allowPrivate: true, lookup: noLookup })).ok).toBe(ok);
  });

  it('names the host, address and reason', async () => {
    expect(
      await checkTargetUrl('http://mixed.example/', { allowPrivate: false, lookup: fakeLookup }),
    ).toEqual({
      ok: false,
      reason:
        'host mixed.example resolves to 127.0.0.1, a loopback address; only public addresses are allowed',
    });
    expect(await checkTargetUrl('http://2130706433/', { allowPrivate: false, lookup: noLookup })).toEqual({
      ok: false,
      reason: 'host 127.0.0.1 is a loopback address; only public addresses are allowed',
    });
  });

  it('does not resolve IP literals or localhost names', async () => {
    for (const url of ['http://8.8.8.8/', 'http://[::1]/', 'http://localhost/', 'http://a.localhost/']) {
      await expect(checkTargetUrl(url, { allowPrivate: false, lookup: noLookup })).resolves.toHaveProperty(
        'ok',
      );
    }
  });

  it('refuses when resolution hangs', async () => {
    const hang: HostResolver = () => new Promise(() => {});
    const v = await checkTargetUrl('http://slow.example/', {
      allowPrivate: false,
      lookup: hang,
      lookupTimeoutMs: 20,
    });
    expect(v).toEqual({ ok: false, reason: 'host slow.example could not be resolved' });
  });
});

describe('parseOutboundSink', () => {
  it.each([
    ['127.0.0.1:9999', { host: '127.0.0.1', port: 9999 }],
    ['[::1]:80', { host: '::1', port: 80 }],
    ['127.0.0.1', { problem: 'must be host:port, e.g. 127.0.0.1:9999' }],
    ['127.0.0.1:0', { problem: 'must be host:port, e.g. 127.0.0.1:9999' }],
    ['127.0.0.1:70000', { problem: 'must be host:port, e.g. 127.0.0.1:9999' }],
    ['::1:80', { problem: 'must be host:port, e.g. 127.0.0.1:9999' }],
    ['localhost:80', { problem: 'must be a loopback address (127.0.0.1 or [::1])' }],
    ['sink.example:80', { problem: 'must be a loopback address (127.0.0.1 or [::1])' }],
    ['8.8.8.8:53', { problem: 'must be a loopback address (127.0.0.1 or [::1])' }],
  ])('%s', (value, expected) => {
    expect(parseOutboundSink(value)).toEqual(expected);
  });
});

describe('checkTargetUrl without name resolution (outbound sink)', () => {
  const neverCalled: HostResolver = () => Promise.reject(new Error('DNS must not be asked'));
  it.each([
    ['http://shop.example/hook', { ok: true }],
    ['https://erp.example:8443/in', { ok: true }],
    ['http://127.0.0.1/', { ok: false, reason: expect.stringContaining('loopback') }],
    ['http://localhost/', { ok: false, reason: 'host localhost is a loopback name' }],
    ['ftp://shop.example/', { ok: false, reason: 'must use http or https' }],
  ])('%s', async (url, expected) => {
    expect(
      await checkTargetUrl(url, { allowPrivate: false, lookup: neverCalled, resolveNames: false }),
    ).toEqual(expected);
  });
});

describe('createSafeDispatcher (real loopback server)', () => {
  let server: Server;
  let port: number;
  const sockets = new Set<unknown>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/elsewhere' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    });
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const cases: [string, string, boolean, HostResolver | undefined][] = [
    ['IP literal, private refused', '127.0.0.1', false, undefined],
    ['IP literal, private allowed', '127.0.0.1', true, undefined],
    [
      'host name resolving to loopback at connect time, refused',
      'localtest.invalid',
      false,
      async () => ['127.0.0.1'],
    ],
    ['host name resolving to loopback, allowed', 'localtest.invalid', true, async () => ['127.0.0.1']],
    [
      'host name with one bad answer among good ones',
      'mixed.invalid',
      false,
      async () => ['93.184.215.14', '127.0.0.1'],
    ],
    ['IPv6 literal loopback refused', '[::1]', false, undefined],
    ['IPv4-mapped literal refused', '[::ffff:127.0.0.1]', false, undefined],
  ];

  it.each(cases)('%s', async (_name, host, allowPrivate, lookup) => {
    const dispatcher = createSafeDispatcher({ allowPrivate, lookup });
    try {
      const attempt = request(`http://${host}:${port}/`, { method: 'POST', body: '{}', dispatcher });
      if (allowPrivate) {
        const res = await attempt;
        expect(res.statusCode).toBe(200);
        expect(await res.body.text()).toBe('hello');
      } else {
        await expect(attempt).rejects.toMatchObject({ code: 'ERR_UNSAFE_TARGET' });
      }
    } finally {
      await dispatcher.close();
    }
  });

  it('defeats DNS rebinding: validated as public, refused when it resolves to loopback at connect', async () => {
    let calls = 0;
    const rebinding: HostResolver = async () => (calls++ === 0 ? ['93.184.215.14'] : ['127.0.0.1']);
    const url = `http://rebind.invalid:${port}/`;
    expect(await checkTargetUrl(url, { allowPrivate: false, lookup: rebinding })).toEqual({ ok: true });
    const dispatcher = createSafeDispatcher({ allowPrivate: false, lookup: rebinding });
    try {
      await expect(request(url, { dispatcher })).rejects.toMatchObject({ code: 'ERR_UNSAFE_TARGET' });
    } finally {
      await dispatcher.close();
    }
  });

  it('pools keep-alive connections and does not follow redirects', async () => {
    const dispatcher = createSafeDispatcher({ allowPrivate: true, connections: 1 });
    sockets.clear();
    try {
      for (let i = 0; i < 3; i++) {
        const res = await request(`http://127.0.0.1:${port}/`, { dispatcher });
        await res.body.text();
      }
      const redirect = await request(`http://127.0.0.1:${port}/redirect`, { dispatcher });
      await redirect.body.text();
      expect(redirect.statusCode).toBe(302);
      expect(sockets.size).toBe(1);
    } finally {
      await dispatcher.close();
    }
  });
});

describe('createSafeDispatcher with an outbound sink (real loopback server)', () => {
  let server: Server;
  let port: number;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.headers.host} ${req.url}`);
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('connects every request to the sink, keeping the target’s Host and path, resolving nothing', async () => {
    const lookup: HostResolver = () => Promise.reject(new Error('DNS must not be asked'));
    const dispatcher = createSafeDispatcher({
      allowPrivate: false,
      lookup,
      sink: { host: '127.0.0.1', port },
    });
    try {
      const res = await request('http://shop.example:8080/hooks/1', {
        method: 'POST',
        body: '{}',
        dispatcher,
      });
      expect(res.statusCode).toBe(204);
      await res.body.text();
      expect(seen).toEqual(['POST shop.example:8080 /hooks/1']);
    } finally {
      await dispatcher.close();
    }
  });

  it('still refuses a non-public literal address before connecting anywhere', async () => {
    seen.length = 0;
    const dispatcher = createSafeDispatcher({ allowPrivate: false, sink: { host: '127.0.0.1', port } });
    try {
      await expect(request(`http://127.0.0.1:${port}/`, { dispatcher })).rejects.toMatchObject({
        code: 'ERR_UNSAFE_TARGET',
      });
      expect(seen).toEqual([]);
    } finally {
      await dispatcher.close();
    }
  });
});
