/**
 * The TLS identity of pushbench's server: a self-signed certificate made at run time
 * (core/self-signed.ts), or the user's own (`--tls-cert/--tls-key`), checked before anything
 * listens.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import { ConfigError } from '../core/errors.ts';
import type { TlsIdentity } from '../core/self-signed.ts';

export { selfSignedIdentity, type TlsIdentity } from '../core/self-signed.ts';

/** A regular file's text, or a ConfigError naming `flag`, the file and why it cannot be read. */
function readPem(flag: string, file: string): string {
  let text: string;
  try {
    const stats = fs.statSync(file);
    if (!stats.isFile()) throw new Error('not a regular file');
    if (stats.size > 1_048_576) throw new Error(`${stats.size} bytes; a PEM file of at most 1 MiB was expected`);
    text = fs.readFileSync(file, 'latin1');
  } catch (error) {
    throw new ConfigError(`invalid ${flag}: cannot read ${JSON.stringify(file)}: ${(error as Error).message}`, { cause: error });
  }
  return text;
}

/**
 * The user's certificate chain and key, read and checked together before the server starts: an
 * unreadable file, a file that holds no PEM certificate or key, or a key that does not match the
 * certificate is a ConfigError naming the file and the cause.
 */
export function loadIdentity(certFile: string, keyFile: string): TlsIdentity {
  const cert = readPem('--tls-cert', certFile);
  const key = readPem('--tls-key', keyFile);
  try {
    new crypto.X509Certificate(cert);
  } catch (error) {
    throw new ConfigError(
      `invalid --tls-cert: ${JSON.stringify(certFile)} holds no PEM certificate (${(error as Error).message}); expected -----BEGIN CERTIFICATE-----`,
      { cause: error },
    );
  }
  try {
    crypto.createPrivateKey(key);
  } catch (error) {
    throw new ConfigError(
      `invalid --tls-key: ${JSON.stringify(keyFile)} holds no PEM private key (${(error as Error).message}); expected -----BEGIN PRIVATE KEY-----`,
      { cause: error },
    );
  }
  try {
    tls.createSecureContext({ cert, key });
  } catch (error) {
    throw new ConfigError(
      `invalid --tls-key: the key in ${JSON.stringify(keyFile)} does not match the certificate in ${JSON.stringify(certFile)} (${(error as Error).message})`,
      { cause: error },
    );
  }
  return { cert, key };
}
