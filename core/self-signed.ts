/**
 * A self-signed certificate made at run time, with node:crypto alone: for pushbench's own server
 * (servers/tls-cert.ts) and for a target whose server pushbench starts on a TLS wire
 * (run/target-server.ts), which then trusts exactly that certificate.
 *
 * Node 20 can make keys and sign, but not build an X.509 certificate. Rather than a dependency
 * or a call to the `openssl` binary (absent from slim images, LibreSSL on macOS), the
 * certificate is assembled here in DER, the few fields RFC 5280 needs, and signed with
 * node:crypto: no process, no download, no file, the same on every platform Node runs on. A
 * P-256 key keeps the handshake small, as browsers' usual ECDSA certificates do.
 */
import crypto from 'node:crypto';

/** A certificate chain and its private key, PEM. */
export interface TlsIdentity {
  readonly cert: string;
  readonly key: string;
}

/** The names the self-signed certificate is valid for: the loopback names the server answers. */
const DNS_NAMES = ['localhost'];
const IP_ADDRESSES = ['127.0.0.1', '::1'];
/** Valid from an hour ago (clock skew between processes is nil, but a browser's may not be) for a day. */
const NOT_BEFORE_MS = 60 * 60 * 1000;
const VALID_MS = 24 * 60 * 60 * 1000;

// DER, the little of it X.509 needs: tag, definite length, contents.
function der(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const length = body.length;
  let head: Buffer;
  if (length < 0x80) head = Buffer.from([tag, length]);
  else if (length < 0x100) head = Buffer.from([tag, 0x81, length]);
  else head = Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  return Buffer.concat([head, body]);
}
const sequence = (...contents: Buffer[]): Buffer => der(0x30, ...contents);
const set = (...contents: Buffer[]): Buffer => der(0x31, ...contents);
const octets = (bytes: Buffer): Buffer => der(0x04, bytes);
const bits = (bytes: Buffer): Buffer => der(0x03, Buffer.from([0]), bytes);
const utf8 = (text: string): Buffer => der(0x0c, Buffer.from(text, 'utf8'));
const explicit = (n: number, content: Buffer): Buffer => der(0xa0 + n, content);

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes = [40 * parts[0]! + parts[1]!];
  for (const part of parts.slice(2)) {
    const groups = [part & 0x7f];
    for (let rest = part >> 7; rest > 0; rest >>= 7) groups.unshift((rest & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return der(0x06, Buffer.from(bytes));
}

function integer(bytes: Buffer): Buffer {
  // A positive INTEGER: no leading zero unless the top bit would make it negative.
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && (bytes[start + 1]! & 0x80) === 0) start++;
  const trimmed = bytes.subarray(start);
  return der(0x02, (trimmed[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** UTCTime, `YYMMDDHHMMSSZ` (RFC 5280 §4.1.2.5.1: dates before 2050). */
function utcTime(ms: number): Buffer {
  const iso = new Date(ms).toISOString();
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return der(0x17, Buffer.from(text, 'latin1'));
}

function ipBytes(address: string): Buffer {
  if (address.includes(':')) {
    const [head = '', tail = ''] = address.split('::');
    const headParts = head === '' ? [] : head.split(':');
    const tailParts = tail === '' ? [] : tail.split(':');
    const groups = [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts];
    return Buffer.from(groups.flatMap((group: string) => [parseInt(group, 16) >> 8, parseInt(group, 16) & 0xff]));
  }
  return Buffer.from(address.split('.').map(Number));
}

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));

/** A fresh self-signed certificate for the loopback names (`localhost`, 127.0.0.1, ::1; tests pass others), valid around `now`, with its P-256 key, PEM. */
export function selfSignedIdentity(
  now = Date.now(),
  names: { readonly dns: readonly string[]; readonly ips: readonly string[] } = { dns: DNS_NAMES, ips: IP_ADDRESSES },
): TlsIdentity {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8('pushbench localhost'))));
  const altNames = sequence(
    ...names.dns.map((dns) => der(0x82, Buffer.from(dns, 'latin1'))),
    ...names.ips.map((ip) => der(0x87, ipBytes(ip))),
  );
  const extensions = explicit(
    3,
    sequence(
      sequence(oid('2.5.29.17'), octets(altNames)),
      // basicConstraints: not a CA; keyUsage: digitalSignature; extKeyUsage: serverAuth.
      sequence(oid('2.5.29.19'), octets(sequence())),
      sequence(oid('2.5.29.15'), der(0x01, Buffer.from([0xff])), octets(der(0x03, Buffer.from([7, 0x80])))),
      sequence(oid('2.5.29.37'), octets(sequence(oid('1.3.6.1.5.5.7.3.1')))),
    ),
  );
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(crypto.randomBytes(16)),
    ECDSA_WITH_SHA256,
    name,
    sequence(utcTime(now - NOT_BEFORE_MS), utcTime(now + VALID_MS)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = crypto.sign('sha256', tbs, privateKey);
  const certificate = sequence(tbs, ECDSA_WITH_SHA256, bits(signature));
  const base64 = certificate.toString('base64').replace(/(.{64})/g, '$1\n');
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${base64}${base64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
