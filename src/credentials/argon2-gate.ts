import { AuthError } from '../errors.js';

// Argon2id is slow on purpose and runs on libuv's thread pool, where WebCrypto's signing (jose) and
// file-system work wait too: unbounded, a flood of password logins filled the pool and every token
// waited behind it (issue 15: a client token went from 2 ms to 7–9 s). So every password operation
// (a login, setting or replacing a password) first takes one of `concurrency` slots. A request
// that finds them all taken waits in a queue of at most `queueMax`; one that finds the queue full is
// turned away at once (503 + Retry-After), before it has looked anything up or counted anything,
// so it changes nothing and looks the same whoever it names.
//
// The queue is fair between apps: freed slots go to the apps that wait in turn, and a full queue
// makes room for an app with fewer requests waiting by turning away the latest waiter of the app
// with the most. One app's flood sheds its own requests, not another app's logins.

export interface GateSlot {
  /** Frees the slot for the next waiter (again: nothing). */
  release(): void;
}

export interface Argon2Gate {
  /** Waits for a slot for a request of `appId`; rejects with PASSWORD_HASHING_BUSY when turned
   * away, or when `abandoned` fires first (its client has gone: it leaves the queue). */
  enter(appId: string, abandoned?: AbortSignal): Promise<GateSlot>;
  /** `work` in a slot, freed whatever `work` does. */
  run<T>(appId: string, work: () => Promise<T>, abandoned?: AbortSignal): Promise<T>;
}

/** What the gate tells the operator: shedding began; the queue emptied since, with how many were turned away. */
export type SheddingEvent = { readonly shedding: true } | { readonly shedding: false; readonly shed: number };

export interface GateOptions {
  /** Password operations at once. */
  readonly concurrency: number;
  /** Requests waiting for a slot, all apps together. */
  readonly queueMax: number;
  readonly onShedding?: (event: SheddingEvent) => void;
}

/** A full queue drains within a few seconds at the defaults: a second is a fair first retry. */
const RETRY_AFTER_SECONDS = 1;

interface Waiter {
  readonly admit: (slot: GateSlot) => void;
  readonly refuse: (error: AuthError) => void;
}

const busy = () => new AuthError('PASSWORD_HASHING_BUSY', { details: { retryAfterSeconds: RETRY_AFTER_SECONDS } });

/** The gate's counts and queues, shared by the functions below (one per gate). */
interface GateState {
  readonly options: GateOptions;
  running: number;
  waiting: number;
  // The apps with requests waiting, in their turn order (a Map keeps insertion order).
  readonly queues: Map<string, Waiter[]>;
  shedSinceCalm: number | null;
}

function slotOf(state: GateState): GateSlot {
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      state.running--;
      admitNext(state);
    },
  };
}

function admitNext(state: GateState): void {
  const turn = state.queues.entries().next();
  if (turn.done === true) {
    calm(state);
    return;
  }
  const [appId, queue] = turn.value;
  const waiter = queue.shift();
  // Served: the app goes to the back of the turn order, if it still has requests waiting.
  state.queues.delete(appId);
  if (queue.length > 0) state.queues.set(appId, queue);
  if (waiter === undefined) {
    admitNext(state);
    return;
  }
  state.waiting--;
  state.running++;
  waiter.admit(slotOf(state));
  if (state.waiting === 0) calm(state);
}

function shed(state: GateState): AuthError {
  if (state.shedSinceCalm === null) state.options.onShedding?.({ shedding: true });
  state.shedSinceCalm = (state.shedSinceCalm ?? 0) + 1;
  return busy();
}

function calm(state: GateState): void {
  if (state.shedSinceCalm === null) return;
  state.options.onShedding?.({ shedding: false, shed: state.shedSinceCalm });
  state.shedSinceCalm = null;
}

/** Turns away the latest waiter of the app with the most waiting, when that leaves the queue fairer. */
function makeRoomFor(state: GateState, appId: string): boolean {
  const own = state.queues.get(appId)?.length ?? 0;
  let most: Waiter[] = [];
  for (const queue of state.queues.values()) if (queue.length > most.length) most = queue;
  if (own + 1 >= most.length) return false;
  most.pop()?.refuse(shed(state));
  state.waiting--;
  return true;
}

/** Joins `appId`'s queue; settles when admitted, turned away, or abandoned. */
function waitInQueue(state: GateState, appId: string, abandoned: AbortSignal | undefined): Promise<GateSlot> {
  return new Promise<GateSlot>((resolve, reject) => {
    // A waiter whose client has gone leaves at once: its place would otherwise be held, and
    // its comparison made, for nobody (and a queue of those turns away clients still there).
    const leave = () => {
      const queue = state.queues.get(appId);
      const index = queue?.indexOf(waiter) ?? -1;
      if (queue === undefined || index < 0) return;
      queue.splice(index, 1);
      if (queue.length === 0) state.queues.delete(appId);
      state.waiting--;
      reject(busy());
      if (state.waiting === 0) calm(state);
    };
    const settled = () => abandoned?.removeEventListener('abort', leave);
    const waiter: Waiter = {
      admit: (slot) => {
        settled();
        resolve(slot);
      },
      refuse: (error) => {
        settled();
        reject(error);
      },
    };
    const queue = state.queues.get(appId);
    if (queue === undefined) state.queues.set(appId, [waiter]);
    else queue.push(waiter);
    state.waiting++;
    abandoned?.addEventListener('abort', leave, { once: true });
  });
}

export function createArgon2Gate(options: GateOptions): Argon2Gate {
  const state: GateState = { options, running: 0, waiting: 0, queues: new Map(), shedSinceCalm: null };
  const gate: Argon2Gate = {
    enter(appId, abandoned) {
      if (abandoned?.aborted === true) return Promise.reject(busy());
      if (state.running < options.concurrency) {
        state.running++;
        return Promise.resolve(slotOf(state));
      }
      if (state.waiting >= options.queueMax && !makeRoomFor(state, appId)) return Promise.reject(shed(state));
      return waitInQueue(state, appId, abandoned);
    },
    async run(appId, work, abandoned) {
      const held = await gate.enter(appId, abandoned);
      try {
        return await work();
      } finally {
        held.release();
      }
    },
  };
  return gate;
}

/** The operator's view: one line when the gate starts turning requests away, one when its queue
 * has emptied since (with how many it turned away), not a line per request. */
export const passwordSheddingLog =
  (log: { warn(fields: object, message: string): void }) =>
  (event: SheddingEvent): void => {
    if (event.shedding) log.warn({ code: 'PASSWORD_HASHING_BUSY' }, 'password hashing saturated: password requests beyond the queue answer 503 until it drains');
    else log.warn({ shed: event.shed }, 'password hashing caught up');
  };
