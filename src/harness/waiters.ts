// Waiting for a condition over state that changes when something arrives (a delivery, an
// exchange), without polling: whoever changes the state calls notify(), which re-checks every wait.
export class Waiters {
  private readonly pending = new Set<() => void>();

  /** Resolves true as soon as `holds()` is true (now or after a notify), false after `timeoutMs`. */
  wait(holds: () => boolean, timeoutMs: number): Promise<boolean> {
    if (holds()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const check = () => {
        if (holds()) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.pending.delete(check);
        resolve(value);
      };
      this.pending.add(check);
    });
  }

  notify(): void {
    for (const check of [...this.pending]) check();
  }
}
