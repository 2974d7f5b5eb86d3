/**
 * The one policy for every URL a party can make the CPSD call: TMF621 hub callbacks, a desk's TMF621 endpoint and
 * OAuth token URL, webhook URLs. Checked twice:
 *
 * - when registered or before an attempt (`checkOutboundUrl`, `resolveOutboundUrl`): scheme, no credentials in the
 *   URL, and the address — a literal IP, or every address the name resolves to;
 * - at connect time (`guardedFetch`, `guardedAgent`): undici connects through a DNS lookup that refuses a refused
 *   address, so a name that resolved to a public address at registration and to 169.254.169.254 now (DNS rebinding)
 *   is still refused, before any byte is sent.
 *
 * Addresses are classified with ipaddr.js (IPv4-mapped IPv6 unwrapped first). Only global unicast is allowed; always
 * refused: link-local and cloud metadata (169.254.0.0/16, fe80::/10, fd00:ec2::254), private and unique-local ranges,
 * 0.0.0.0/::, multicast, broadcast, carrier-grade NAT, reserved/documentation ranges, NAT64/6to4/Teredo (they embed
 * an IPv4 address). Loopback only with `allowLoopback` (`OUTBOUND_ALLOW_LOOPBACK`: default true in development, where
 * local receivers and the e2e tests run on loopback; false in production). Production also requires https.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';

export interface OutboundPolicy {
  /** Production: https only (plain http only to loopback, and only with `allowLoopback`). */
  httpsOnly: boolean;
  /** Loopback targets (local receivers in development, the e2e tests). Never on in production by default. */
  allowLoopback: boolean;
}

/** The policy for a runtime: production unless `dev`; `OUTBOUND_ALLOW_LOOPBACK=true|false` overrides the default. */
export function outboundPolicy(dev: boolean, env: Record<string, string | undefined> = {}): OutboundPolicy {
  const raw = (env.OUTBOUND_ALLOW_LOOPBACK ?? '').trim().toLowerCase();
  return { httpsOnly: !dev, allowLoopback: raw === '' ? dev : raw === 'true' || raw === '1' };
}

/** A connection refused by the policy (never retried: the registration must change). */
export class OutboundAddressRefused extends Error {
  readonly code = 'ERR_OUTBOUND_ADDRESS_REFUSED';
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'OutboundAddressRefused';
  }
}

/** The refusal behind a failed fetch (undici wraps connect errors as `cause`), or null. */
export function outboundRefusal(error: unknown): OutboundAddressRefused | null {
  for (let e = error as { cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as { cause?: unknown } | undefined, depth++) {
    if (e instanceof OutboundAddressRefused) return e;
    if ((e as { code?: unknown }).code === 'ERR_OUTBOUND_ADDRESS_REFUSED') return e as OutboundAddressRefused;
  }
  return null;
}

const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254', '169.254.170.2', '100.100.100.200']);

/** Why an address may not be called, or null when it may (global unicast; loopback if allowed). */
export function addressRefusal(address: string, policy: Pick<OutboundPolicy, 'allowLoopback'>): string | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return `${address} is not an IP address`;
  const ip = ipaddr.process(bare); // ::ffff:a.b.c.d is a.b.c.d
  const text = ip.toString();
  if (METADATA.has(text) || METADATA.has(ipaddr.parse(bare).toString())) return `${text} is a cloud metadata address`;
  const range = ip.range();
  if (range === 'unicast') return null;
  if (range === 'loopback') return policy.allowLoopback ? null : `${text} is a loopback address`;
  const what: Record<string, string> = {
    linkLocal: 'a link-local address',
    private: 'a private address',
    uniqueLocal: 'a private (unique local) address',
    unspecified: 'the unspecified address',
    multicast: 'a multicast address',
    broadcast: 'the broadcast address',
    carrierGradeNat: 'a carrier-grade NAT address',
    ipv4Mapped: 'an IPv4-mapped address',
  };
  return `${text} is ${what[range] ?? `a reserved address (${range})`}`;
}

const isLoopbackName = (hostname: string): boolean => hostname === 'localhost' || hostname.endsWith('.localhost');

/**
 * The synchronous part of the check (no DNS): an absolute http(s) URL without credentials, https in production,
 * and an allowed address when the host is a literal IP. `field` names the registration field in the reason.
 */
export function checkOutboundUrl(raw: unknown, policy: OutboundPolicy, field: string): { url: URL } | { refused: string } {
  if (typeof raw !== 'string' || !raw.trim()) return { refused: `${field} must be an absolute https URL` };
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { refused: `${field} must be an absolute https URL` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { refused: `${field} must be an https URL` };
  if (url.username || url.password) return { refused: `${field} must not carry credentials` };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host) !== 0;
  const loopback = literal ? ipaddr.process(host).range() === 'loopback' : isLoopbackName(host.toLowerCase());
  if (url.protocol === 'http:' && policy.httpsOnly && !(policy.allowLoopback && loopback)) return { refused: `${field} must be https` };
  if (literal) {
    const refusal = addressRefusal(host, policy);
    if (refusal) return { refused: `${field} is refused: ${refusal}` };
  } else if (loopback && !policy.allowLoopback) {
    return { refused: `${field} is refused: ${host} is a loopback name` };
  }
  return { url };
}

type Lookup = (
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/** A dns.lookup that fails with OutboundAddressRefused when any address the name resolves to is refused. */
export function guardedLookup(policy: OutboundPolicy, resolve: typeof dnsLookup = dnsLookup): Lookup {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses as LookupAddress[];
      for (const entry of list) {
        const refusal = addressRefusal(entry.address, policy);
        if (refusal)
          return callback(Object.assign(new OutboundAddressRefused(`${hostname} resolves to a refused address: ${refusal}`), { errno: undefined }), []);
      }
      const [first] = list;
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      if (options.all) return callback(null, list);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * Checks a URL as a registration is made: the synchronous check, then every address its name resolves to now. Refused
 * when any is refused. A name that does not resolve yet is accepted: it is checked again at every connection.
 */
export async function resolveOutboundUrl(raw: unknown, policy: OutboundPolicy, field: string): Promise<{ url: URL } | { refused: string }> {
  const checked = checkOutboundUrl(raw, policy, field);
  if ('refused' in checked) return checked;
  const host = checked.url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return checked;
  const lookup = guardedLookup(policy);
  return new Promise((done) => {
    lookup(host, { all: true }, (error) => {
      if (error instanceof OutboundAddressRefused) return done({ refused: `${field} is refused: ${error.reason}` });
      done(checked);
    });
  });
}

/** TLS settings a desk may register (mTLS). */
export interface ClientTls {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
}

/** An undici Agent whose every connection goes through the policy: literal IPs checked, names via `guardedLookup`. */
export function guardedAgent(policy: OutboundPolicy, tls: ClientTls = {}): Agent {
  const connector = buildConnector({ ...tls, lookup: guardedLookup(policy) } as buildConnector.BuildOptions);
  return new Agent({
    connect: (options, callback) => {
      const host = options.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host)) {
        const refusal = addressRefusal(host, policy);
        if (refusal) return callback(new OutboundAddressRefused(`refused address: ${refusal}`), null);
      }
      return connector(options, callback);
    },
  });
}

/** fetch through a guarded agent (one per policy and TLS settings; keep the result). Redirects are the caller's. */
export function guardedFetch(policy: OutboundPolicy, tls?: ClientTls): typeof fetch {
  const dispatcher = guardedAgent(policy, tls);
  return ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher })) as unknown as typeof fetch;
}
