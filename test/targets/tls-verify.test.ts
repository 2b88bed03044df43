/**
 * A TLS target's certificate is verified unless `--insecure` says otherwise: a self-signed
 * certificate, a certificate for another name and an expired one each fail the technique with a
 * message naming the cause, within the connect step; with --insecure (`insecure: true`) the same
 * self-signed server is measured. The server is pushbench's own on the https wire, with a
 * certificate this test makes, described as a target file would describe it (kind `file`, a
 * running server at a fixed https origin). A name or date is checked against a certificate the
 * clients trust: the test adds it to NODE_EXTRA_CA_CERTS, which the generator and publisher child
 * processes read when they start.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { selfSignedIdentity, type TlsIdentity } from '../../core/self-signed.ts';
import { TECHNIQUES } from '../../core/techniques.ts';
import { urlTarget, type ResolvedTarget } from '../../run/targets.ts';
import { startServer } from '../../servers/server.ts';
import { completed, runOn, tinyParams } from '../helpers/targets.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-tls-verify-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function files(name: string, identity: TlsIdentity): { cert: string; key: string } {
  const cert = path.join(dir, `${name}-cert.pem`);
  const key = path.join(dir, `${name}-key.pem`);
  fs.writeFileSync(cert, identity.cert);
  fs.writeFileSync(key, identity.key);
  return { cert, key };
}

/** A running https target at `origin`, speaking pushbench's protocol, as a target file with `"wires": {"https": "all"}` would be. */
function httpsTarget(origin: string, insecure: boolean): ResolvedTarget {
  return Object.freeze({
    ...urlTarget(origin),
    name: 'tls-check',
    kind: 'file' as const,
    description: 'pushbench over https with a test certificate',
    wires: { https: TECHNIQUES },
    insecure,
  });
}

/** Runs polling on https against a server with `identity`, trusting `trusted` (NODE_EXTRA_CA_CERTS) when given. */
async function pollOver(identity: TlsIdentity, name: string, insecure: boolean, trusted: boolean): ReturnType<typeof runOn> {
  const tlsFiles = files(name, identity);
  const server = await startServer({ wire: 'https', rate: 0, tlsFiles });
  const saved = process.env.NODE_EXTRA_CA_CERTS;
  if (trusted) process.env.NODE_EXTRA_CA_CERTS = tlsFiles.cert;
  try {
    return await runOn(httpsTarget(server.url, insecure), 'polling', tinyParams({ wire: 'https' }));
  } finally {
    if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = saved;
    await server.close();
  }
}

describe('a TLS target is verified unless --insecure', () => {
  test('a self-signed certificate fails the technique, naming it', async () => {
    const r = await pollOver(selfSignedIdentity(), 'self-signed', false, false);
    assert.equal(r.state, 'failed');
    assert.match(r.state === 'failed' ? r.error : '', /self[- ]signed certificate/i);
  });

  test('with --insecure the same kind of server is measured: every message delivered', async () => {
    const r = completed(await pollOver(selfSignedIdentity(), 'insecure', true, false));
    assert.ok(r.messages.published > 0);
    assert.equal(r.messages.delivered, r.messages.expected);
  });

  test('a trusted certificate for another name fails, naming the mismatch', async () => {
    const r = await pollOver(selfSignedIdentity(Date.now(), { dns: ['elsewhere.example'], ips: ['192.0.2.1'] }), 'wrong-name', false, true);
    assert.equal(r.state, 'failed');
    assert.match(r.state === 'failed' ? r.error : '', /does not match certificate's altnames|ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  test('a trusted but expired certificate fails, naming the expiry', async () => {
    const r = await pollOver(selfSignedIdentity(Date.now() - 3 * 24 * 3600 * 1000), 'expired', false, true);
    assert.equal(r.state, 'failed');
    assert.match(r.state === 'failed' ? r.error : '', /certificate has expired|CERT_HAS_EXPIRED/);
  });

  test('a trusted certificate for the loopback names is measured without --insecure', async () => {
    const r = completed(await pollOver(selfSignedIdentity(), 'trusted', false, true));
    assert.equal(r.messages.delivered, r.messages.expected);
  });
});
