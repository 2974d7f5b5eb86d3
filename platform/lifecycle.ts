/** One place where every resource registers its disposal, so shutdown drains HTTP and closes the database in order. */
import { logger } from './logger';

type Disposer = () => Promise<void> | void;

export class Lifecycle {
  private readonly disposers: { name: string; dispose: Disposer }[] = [];
  private readonly constraints: { first: string; then: string }[] = [];
  private stopping: Promise<void> | null = null;

  /** Registers a disposer; disposers run in reverse order of registration (last started, first stopped). */
  onStop(name: string, dispose: Disposer): void {
    this.disposers.push({ name, dispose });
  }

  /**
   * Makes `first` stop before `then` whatever order they were registered in (both by name; a no-op when either is
   * missing or the order is already right). For a resource that must drain another's clients before it can close:
   * WebSocket clients are told 1001 before the HTTP server they upgraded from waits for its connections.
   */
  stopBefore(first: string, then: string): void {
    this.constraints.push({ first, then });
  }

  /** The order disposers run in: reverse registration, then the `stopBefore` constraints. */
  stopOrder(): string[] {
    return this.ordered().map((d) => d.name);
  }

  private ordered(): { name: string; dispose: Disposer }[] {
    const order = [...this.disposers].reverse();
    for (const { first, then } of this.constraints) {
      const a = order.findIndex((d) => d.name === first);
      const b = order.findIndex((d) => d.name === then);
      if (a < 0 || b < 0 || a < b) continue;
      order.splice(b, 0, ...order.splice(a, 1));
    }
    return order;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const { name, dispose } of this.ordered()) {
        try {
          await dispose();
        } catch (error) {
          logger.error({ err: error, resource: name }, 'error while stopping');
        }
      }
    })();
    return this.stopping;
  }

  /**
   * Stops on SIGINT/SIGTERM, then exits. The handler stays installed: a second signal while draining (a process
   * manager or the tsx wrapper may send one) must not fall back to the default action and kill the drain.
   */
  stopOnSignals(): void {
    const handler = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      void this.stop().then(() => process.exit(0));
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  }
}
