/**
 * The parent's handle on perf/servers.ts's many WebSocket clients: as many client processes
 * (perf/ws-clients.ts) as the scale plan asks for (run/scale-plan.ts: at most 5,000 sockets a
 * process, under the file cap, spread over loopback source addresses past one address's ports),
 * all on one URL. The plan is refused before anything starts when the machine cannot hold it.
 */
import { forkChild, type ForkedChild, describeExit } from '../run/children.ts';
import { openFileLimit, RESERVED_FDS } from '../run/limits.ts';
import { machineLimits, planScale, type ScalePlan } from '../run/scale-plan.ts';
import type { ParentToWsClients, WsClientsSpec, WsClientsToParent } from './ws-clients.ts';

const CLIENTS_MODULE = new URL('./ws-clients.ts', import.meta.url);

/**
 * The plan for `clients` WebSocket clients against `servers` server processes started here (one
 * each: pushbench's and the bare one), each holding its clients: throws with the plan's refusals.
 */
export function planClients(clients: number): ScalePlan {
  const plan = planScale(
    { clients, socketsPerClient: 1, requestedGenerators: null, serverProcesses: 1, builtinServer: true },
    machineLimits(openFileLimit(), RESERVED_FDS),
  );
  if (plan.refusals.length > 0) throw new Error(`${clients} WebSocket clients do not fit this machine: ${plan.refusals.join('; ')}`);
  return plan;
}

export class WsClientPool {
  private readonly pending = new Map<number, (reply: { delivered: number; short: number }) => void>();
  private nextId = 0;
  private crash: Error | undefined;

  private constructor(
    private readonly children: ForkedChild[],
    readonly clients: number,
  ) {
    for (const [i, forked] of children.entries()) {
      forked.child.on('message', (message: WsClientsToParent) => {
        if (message.type === 'count') this.onCount(message.id, message.delivered, message.short);
        else if (message.type === 'fatal') this.crash ??= new Error(message.message);
      });
      void forked.exited.then((exit) => {
        this.crash ??= new Error(describeExit(`WebSocket client process ${i + 1}`, exit, forked.stderrTail()));
      });
    }
  }

  /** Forks the plan's client processes for `url` and opens every client; rejects after `timeoutMs`. */
  static async open(url: string, plan: ScalePlan, clients: number, timeoutMs: number): Promise<WsClientPool> {
    const children: ForkedChild[] = [];
    const opened: Array<Promise<void>> = [];
    for (let i = 0; i < plan.generators; i++) {
      const share = Math.floor(clients / plan.generators) + (i < clients % plan.generators ? 1 : 0);
      const spec: WsClientsSpec = { url, clients: share, localAddress: plan.sourceAddresses[i] ?? null };
      const forked = forkChild(CLIENTS_MODULE, [JSON.stringify(spec)]);
      children.push(forked);
      opened.push(
        new Promise<void>((resolve, reject) => {
          forked.child.on('message', (message: WsClientsToParent) => {
            if (message.type === 'opened') resolve();
            else if (message.type === 'fatal') reject(new Error(message.message));
          });
          void forked.exited.then((exit) =>
            reject(new Error(describeExit(`WebSocket client process ${i + 1}`, exit, forked.stderrTail()))),
          );
        }),
      );
      forked.child.send({ type: 'open' } satisfies ParentToWsClients);
    }
    const pool = new WsClientPool(children, clients);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all(opened),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${clients} WebSocket clients did not all open on ${url} within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      await pool.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return pool;
  }

  /** Starts a round: messages are counted from now. */
  mark(): void {
    for (const forked of this.children) forked.child.send({ type: 'mark' } satisfies ParentToWsClients);
  }

  /** Messages received since the mark over every client, and the clients that got fewer than `expected`. */
  async count(expected: number, timeoutMs = 10_000): Promise<{ delivered: number; short: number }> {
    if (this.crash !== undefined) throw this.crash;
    const replies = await Promise.all(
      this.children.map(
        (forked) =>
          new Promise<{ delivered: number; short: number }>((resolve, reject) => {
            const id = this.nextId++;
            const timer = setTimeout(() => {
              this.pending.delete(id);
              reject(new Error(`a WebSocket client process did not answer within ${timeoutMs} ms`));
            }, timeoutMs);
            this.pending.set(id, (reply) => {
              clearTimeout(timer);
              resolve(reply);
            });
            forked.child.send({ type: 'count', id, expected } satisfies ParentToWsClients);
          }),
      ),
    );
    return replies.reduce((sum, r) => ({ delivered: sum.delivered + r.delivered, short: sum.short + r.short }), { delivered: 0, short: 0 });
  }

  /** Closes every client and waits for the processes to exit (killed after `graceMs`). */
  async close(graceMs = 5000): Promise<void> {
    await Promise.all(
      this.children.map(async (forked) => {
        if (forked.child.connected) forked.child.send({ type: 'close' } satisfies ParentToWsClients);
        const timer = setTimeout(() => forked.child.kill('SIGKILL'), graceMs);
        await forked.exited;
        clearTimeout(timer);
      }),
    );
  }

  private onCount(id: number, delivered: number, short: number): void {
    const resolve = this.pending.get(id);
    this.pending.delete(id);
    resolve?.({ delivered, short });
  }
}
