/** One place where every resource registers its disposal, so shutdown drains HTTP and closes the database in order. */
import { logger } from './logger';

type Disposer = () => Promise<void> | void;

export class Lifecycle {
  private readonly disposers: { name: string; dispose: Disposer }[] = [];
  private stopping: Promise<void> | null = null;

  /** Registers a disposer; disposers run in reverse order of registration (last started, first stopped). */
  onStop(name: string, dispose: Disposer): void {
    this.disposers.push({ name, dispose });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const { name, dispose } of [...this.disposers].reverse()) {
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
