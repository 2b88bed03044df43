/**
 * A target's server, started from its target file's command for one technique run: on
 * 127.0.0.1 and a free port pushbench picked, with a fresh temporary folder, in its own process
 * group. Ready once its readiness URL answers (any HTTP status); its CPU and RSS are read from
 * /proc for the pid tree (the command's pid, or the one its pid file names); stopped with
 * SIGTERM to the whole group, then SIGKILL, and reaped: no process of the group is left, also
 * when the server never became ready. On a TLS wire pushbench makes a self-signed certificate
 * for the loopback names, hands it to the command as `{tlsCert}` / `{tlsKey}` files in that
 * folder, and trusts exactly that certificate: the readiness check and every client verify it.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TargetServerError } from '../core/errors.ts';
import { nowMicros } from '../core/protocol.ts';
import { selfSignedIdentity } from '../core/self-signed.ts';
import type { TlsTrust } from '../core/socket-counter.ts';
import { fillTemplate } from '../core/targets.ts';
import { DEFAULT_WIRE, WIRE_META, wireOrigin, type WireId } from '../core/wires.ts';
import { describeExit, killGroup, spawnGroup } from './children.ts';
import { processGroupMembers, sampleTree, type TreeSample } from './proc-tree.ts';
import type { TargetCommand } from './targets.ts';

/** Readiness waits this long unless the target file says otherwise. */
export const DEFAULT_READY_TIMEOUT_MS = 15_000;
/** After SIGTERM, the group has this long to exit before SIGKILL. */
const STOP_GRACE_MS = 3000;
/** Time between two readiness checks. */
const READY_POLL_MS = 50;

/** A free TCP port on 127.0.0.1 (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** One GET of `url` (https: verified against `ca`): resolves when any HTTP answer arrives, rejects with the connection error. */
function answers(url: string, timeoutMs: number, ca: string | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? (https.get as typeof http.get) : http.get;
    const request = get(url, { timeout: timeoutMs, agent: false, ...(ca === null ? {} : { ca }) }, (response) => {
      response.resume();
      resolve();
    });
    request.once('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.once('error', reject);
  });
}

/** The last `count` non-empty lines of a process's output, joined for a one-line message. */
function lastLines(text: string, count = 5): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-count);
  return lines.length === 0 ? 'it printed nothing' : `its last output: ${lines.join(' | ')}`;
}

export class TargetServer {
  private stopped = false;
  private crash: Error | undefined;
  /** Settles with the reason when the server exits while it is being measured. */
  readonly unexpectedExit: Promise<Error>;

  private constructor(
    private readonly group: ReturnType<typeof spawnGroup>,
    readonly origin: string,
    readonly port: number,
    /** The pid whose tree is sampled. */
    readonly pid: number,
    private readonly dir: string,
    label: string,
    /** The certificates a client accepts from this server: the one pushbench made, or (cleartext) any. */
    readonly trust: TlsTrust,
  ) {
    this.unexpectedExit = group.exited.then((exit) => {
      const crash = new TargetServerError(describeExit(`the server of target ${label} (pid ${group.child.pid})`, exit, group.stderrTail()));
      this.crash = crash;
      return this.stopped ? new Promise<never>(() => {}) : crash;
    });
  }

  /** Why the server exited under the run, if it did. */
  get crashed(): Error | undefined {
    return this.crash;
  }

  /**
   * Starts the command of `target` (named `label` in messages) with `origin` on a free port and
   * waits until it is ready. Rejects with a TargetServerError naming the cause and the server's
   * last output, having stopped everything it started.
   */
  static async start(command: TargetCommand, originTemplate: string, label: string, wire: WireId = DEFAULT_WIRE): Promise<TargetServer> {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-target-'));
    const identity = WIRE_META[wire].tls ? selfSignedIdentity() : null;
    const tlsCert = path.join(dir, 'tls-cert.pem');
    const tlsKey = path.join(dir, 'tls-key.pem');
    if (identity !== null) {
      fs.writeFileSync(tlsCert, identity.cert, { mode: 0o600 });
      fs.writeFileSync(tlsKey, identity.key, { mode: 0o600 });
    }
    const values = { port: String(port), dir, targetDir: command.targetDir, wire, scheme: WIRE_META[wire].scheme, tlsCert, tlsKey };
    const fill = (text: string): string => fillTemplate(text, values);
    const [program, ...args] = command.command.map(fill);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [name, value] of Object.entries(command.env ?? {})) env[name] = fill(value);
    const cwd = path.resolve(command.targetDir, fill(command.cwd ?? '.'));
    const group = spawnGroup(program!, args, { cwd, env });
    const timeoutMs = command.ready.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const readyUrl = fill(command.ready.url);
    const origin = wireOrigin(wire, fill(originTemplate));
    const what = `the server of target ${label} (${[program, ...args].join(' ')})`;

    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    void group.exited.then((e) => (exit = e));
    const deadline = Date.now() + timeoutMs;
    let lastError = 'no check yet';
    for (;;) {
      if (exit !== undefined) {
        await stopGroup(group, dir);
        throw new TargetServerError(`${describeExit(what, exit, '')} before it was ready (${readyUrl}); ${lastLines(group.stderrTail())}`);
      }
      try {
        await answers(readyUrl, Math.max(100, Math.min(1000, deadline - Date.now())), identity?.cert ?? null);
        break;
      } catch (error) {
        lastError = (error as Error).message;
      }
      if (Date.now() >= deadline) {
        await stopGroup(group, dir);
        throw new TargetServerError(
          `${what} did not become ready within ${timeoutMs} ms: GET ${readyUrl} failed (${lastError}); ${lastLines(group.stderrTail())}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }

    let pid = group.child.pid!;
    if (command.pidFile !== undefined) {
      const file = path.resolve(cwd, fill(command.pidFile));
      const read = Number(fs.readFileSync(file, 'utf8').trim());
      if (!Number.isInteger(read) || read <= 0) {
        await stopGroup(group, dir);
        throw new TargetServerError(`${what} is ready but its pid file ${file} holds no pid`);
      }
      pid = read;
    }
    return new TargetServer(group, origin, port, pid, dir, label, identity === null ? { kind: 'any' } : { kind: 'ca', pem: identity.cert });
  }

  /** CPU and RSS of the server's pid tree now; null when it is gone. */
  sample(): TreeSample | null {
    return sampleTree(this.pid, nowMicros);
  }

  /** Stops the whole process group (SIGTERM, then SIGKILL), reaps it and removes its folder. */
  async close(): Promise<void> {
    this.stopped = true;
    await stopGroup(this.group, this.dir);
  }
}

/** SIGTERM to the group, SIGKILL after the grace period, until no member is left; then the folder goes. */
async function stopGroup(group: ReturnType<typeof spawnGroup>, dir: string): Promise<void> {
  const pgid = group.child.pid;
  if (pgid !== undefined) {
    killGroup(pgid, 'SIGTERM');
    const deadline = Date.now() + STOP_GRACE_MS;
    while (processGroupMembers(pgid).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    while (processGroupMembers(pgid).length > 0) {
      killGroup(pgid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  await Promise.race([group.exited, new Promise((resolve) => setTimeout(resolve, 1000))]);
  group.release();
  fs.rmSync(dir, { recursive: true, force: true });
}
