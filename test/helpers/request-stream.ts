// A steady stream of requests against a server while a test breaks and mends what is behind it:
// a few workers send one request after another until stopped, every answer is kept with the phase
// of the test it arrived in, and `until` waits for the answers themselves (no sleeps, no clock).

export interface Answer<P extends string> {
  /** The phase the test was in when the request was SENT. */
  readonly phase: P;
  readonly status: number;
  readonly body: unknown;
  readonly retryAfter: string | null;
  readonly label: string;
}

export interface RequestStream<P extends string> {
  readonly answers: Answer<P>[];
  phase: P;
  /** Resolves once `done(answers)` holds (checked after each answer). */
  until(done: (answers: readonly Answer<P>[]) => boolean): Promise<void>;
  /** Stops the workers and waits for the requests in flight. */
  stop(): Promise<void>;
}

/** `send(n)` makes the n-th request (labelled, so a test can tell its kinds apart). */
export function startRequestStream<P extends string>(first: P, workers: number, send: (n: number) => Promise<{ label: string; status: number; body: unknown; headers: Headers }>): RequestStream<P> {
  const answers: Answer<P>[] = [];
  const waiters: { done: (answers: readonly Answer<P>[]) => boolean; resolve: () => void }[] = [];
  let stopped = false;
  let count = 0;
  const stream: RequestStream<P> = {
    answers,
    phase: first,
    until(done) {
      if (done(answers)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ done, resolve }));
    },
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
  const worker = async () => {
    while (!stopped) {
      const phase = stream.phase;
      const answer = await send(count++);
      answers.push({ phase, status: answer.status, body: answer.body, retryAfter: answer.headers.get('retry-after'), label: answer.label });
      for (const waiter of waiters.filter((w) => w.done(answers))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const running = Array.from({ length: workers }, worker);
  return stream;
}
