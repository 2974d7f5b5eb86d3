/**
 * Interruptible waits for background loops (outbox relay, bus consumers): sleep until a timeout unless a signal
 * (a LISTEN notification, a stop request) fires first.
 */
export class Signal {
  private latched = false;
  private readonly listeners = new Set<() => void>();

  /** A sticky signal stays fired (stop); a non-sticky one is cleared by `take()` (a notification to act on once). */
  constructor(private readonly sticky: boolean = false) {}

  get fired(): boolean {
    return this.latched;
  }

  fire(): void {
    this.latched = true;
    for (const listener of [...this.listeners]) listener();
  }

  /** Returns whether the signal had fired, clearing it unless sticky. */
  take(): boolean {
    const fired = this.latched;
    if (!this.sticky) this.latched = false;
    return fired;
  }

  /** Resolves after `ms`, or as soon as any of `signals` has fired (at once if one already has). */
  static sleep(ms: number, ...signals: Signal[]): Promise<void> {
    if (signals.some((signal) => signal.latched)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        for (const signal of signals) signal.listeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      for (const signal of signals) signal.listeners.add(done);
    });
  }
}

/** Exponential backoff: `initialMs`, doubling, capped at `maxMs`. */
export function backoff(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
}
