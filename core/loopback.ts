/** Whether a host name is this machine's loopback: load tests and servers stay on it unless the user says otherwise. */
import net from 'node:net';

/** True for `localhost`, 127.0.0.0/8, ::1 and IPv4-mapped 127/8; `hostname` as `URL` normalises it. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (net.isIPv6(host)) {
    if (host === '::1') return true;
    const mapped = /^::ffff:(.+)$/.exec(host)?.[1];
    if (mapped === undefined) return false;
    // WHATWG URL writes ::ffff:127.0.0.1 as ::ffff:7f00:1.
    return net.isIPv4(mapped) ? mapped.startsWith('127.') : /^7f[0-9a-f]{2}:/.test(mapped);
  }
  return false;
}
