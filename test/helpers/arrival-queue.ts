// Items a loopback test server receives (mails, SMS), handed out in arrival order: next() resolves
// with the first item not yet taken, waiting for its arrival event (with a deadline), never polling.

export interface ArrivalQueue<T> {
  /** Every item received, taken or not. */
  readonly items: T[];
  push(item: T): void;
  next(timeoutMs: number): Promise<T>;
  /** Rejects everyone still waiting; later next() calls reject at once. Idempotent. */
  close(): boolean;
}

export function arrivalQueue<T>(what: string): ArrivalQueue<T> {
  const items: T[] = [];
  const waiters: { resolve: (item: T) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }[] = [];
  let taken = 0;
  let closed = false;
  return {
    items,
    push(item) {
      items.push(item);
      const waiter = waiters.shift();
      if (waiter !== undefined) {
        clearTimeout(waiter.timer);
        taken += 1;
        waiter.resolve(item);
      }
    },
    next(timeoutMs) {
      const ready = items[taken];
      if (ready !== undefined) {
        taken += 1;
        return Promise.resolve(ready);
      }
      if (closed) return Promise.reject(new Error(`closed: no more ${what} will arrive`));
      return new Promise<T>((resolve, reject) => {
        const waiter = {
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.splice(waiters.indexOf(waiter), 1);
            reject(new Error(`No ${what} arrived within ${timeoutMs} ms`));
          }, timeoutMs),
        };
        waiters.push(waiter);
      });
    },
    close() {
      if (closed) return false;
      closed = true;
      for (const waiter of waiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`closed while waiting for ${what}`));
      }
      return true;
    },
  };
}
