/**
 * Who may talk to the server. A request is answered only when its Host names this
 * server (its bound address or a loopback name, with its port), so a web page cannot
 * reach it through DNS rebinding; and a request that carries an Origin (every browser
 * WebSocket, every cross-origin fetch, every preflight) only when that Origin is the
 * server's own or one it was told to accept, so a page elsewhere cannot publish into a
 * running benchmark or open its WebSocket.
 */
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import type { HttpError } from './http-util.ts';

export interface GuardOptions {
  /** The address the server was asked to bind (`127.0.0.1`, `::1`, `0.0.0.0`, a name). */
  host: string;
  /** The port it listens on. */
  port: number;
  /** Origins accepted besides the server's own (`https://app.example.com`). */
  allowedOrigins: readonly string[];
  /** Host values (`name:port`) accepted besides the server's own: a proxy in front of it that clients address (the delaying proxy of load/delay-proxy.ts). */
  allowedHosts?: readonly string[];
  /** The scheme of the server's own origin (`https` on a TLS wire); default `http`. */
  scheme?: 'http' | 'https';
}

/** Names that always mean this machine. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/** `::1` as it appears in a Host header: IPv6 literals in brackets. */
function hostLiteral(name: string): string {
  return name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
}

/** The host names a client may put in Host: loopback, the bound address, and for a wildcard bind every local address. */
function hostNames(host: string): string[] {
  const names = new Set(LOOPBACK_NAMES);
  if (WILDCARDS.has(host)) {
    for (const addresses of Object.values(os.networkInterfaces())) {
      for (const address of addresses ?? []) names.add(hostLiteral(address.address));
    }
  } else {
    names.add(hostLiteral(host.toLowerCase()));
  }
  return [...names];
}

/** Whether `name` is `lower` in any letter case (both ASCII letters only), without allocating. */
function isHeader(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) if ((name.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** Decides, per request, whether Host and Origin allow an answer. */
export class RequestGuard {
  /** Every Host value accepted, lower case: `name:port`, and the bare name on port 80. */
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;
  /** For messages: the Host values a client may send. */
  readonly allowedHosts: readonly string[];
  /**
   * The Host nearly every request carries (the bound address and port, as pushbench's clients and
   * most tools write it), compared first: equal text needs no hashing and no look-up in `hosts`.
   */
  private readonly ownHost: string;

  constructor(options: GuardOptions) {
    const values: string[] = [];
    for (const name of hostNames(options.host)) {
      values.push(`${name}:${options.port}`);
      if (options.port === 80) values.push(name);
    }
    for (const extra of options.allowedHosts ?? []) values.push(extra.toLowerCase());
    this.allowedHosts = values;
    this.ownHost = WILDCARDS.has(options.host) ? `127.0.0.1:${options.port}` : `${hostLiteral(options.host.toLowerCase())}:${options.port}`;
    this.hosts = new Set(values);
    const scheme = options.scheme ?? 'http';
    this.origins = new Set([
      ...values.map((value) => `${scheme}://${value}`),
      ...options.allowedOrigins.map((origin) => origin.toLowerCase()),
    ]);
  }

  /** Why `req` must not be answered (a 403, or a 400 for a doubled Host), or undefined when it may be. */
  check(req: IncomingMessage): HttpError | undefined {
    // rawHeaders, not req.headers: reading req.headers builds an object of every header, and polls never need it.
    const raw = req.rawHeaders;
    let host: string | undefined;
    let origin: string | undefined;
    let hosts = 0;
    let origins = 0;
    let authority: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      // One length test rejects almost every other header before any character is compared.
      const length = name.length;
      if (length === 4) {
        if (isHeader(name, 'host')) {
          host = raw[i + 1];
          hosts++;
        }
      } else if (length === 10 && name === ':authority') {
        // HTTP/2's Host (RFC 9113 §8.3.1): the same check. Node lists pseudo-headers in rawHeaders, lower case.
        authority = raw[i + 1];
      } else if (length === 6 && isHeader(name, 'origin')) {
        origin = raw[i + 1];
        origins++;
      }
    }
    if (authority !== undefined) {
      // A Host beside :authority may only repeat it (RFC 9113 §8.3.1).
      if (host !== undefined && host !== authority)
        return {
          status: 400,
          kind: 'badRequest',
          body: {
            error: `a request's Host must repeat its :authority; received Host ${JSON.stringify(host)} and :authority ${JSON.stringify(authority)}`,
          },
        };
      host = authority;
    }
    if (hosts > 1)
      return { status: 400, kind: 'badRequest', body: { error: `a request carries one Host header (or :authority); received ${hosts}` } };
    if (host === undefined || !(host === this.ownHost || this.hosts.has(host) || this.hosts.has(host.toLowerCase()))) {
      return {
        status: 403,
        kind: 'forbidden',
        body: {
          error: `Host ${JSON.stringify(host ?? null)} is not this server's; allowed: ${this.allowedHosts.join(', ')}`,
          allowed: this.allowedHosts,
        },
      };
    }
    if (origins > 1 || (origin !== undefined && !(this.origins.has(origin) || this.origins.has(origin.toLowerCase())))) {
      return {
        status: 403,
        kind: 'forbidden',
        body: {
          error: `Origin ${JSON.stringify(origins > 1 ? `${origins} Origin headers` : origin)} may not use this server; allowed: no Origin, or one of ${[...this.origins].join(', ')}`,
        },
      };
    }
    return undefined;
  }
}
