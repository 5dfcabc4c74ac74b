import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';

// Child processes of the bench (servers, load processes) and what the bench reads about them.

export interface Child {
  readonly pid: number;
  readonly exited: Promise<number | null>;
  /** The last 16 KB of its stdout and stderr, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs` (a server drains first). */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_KEEP = 16_384;

export function spawnChild(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Child {
  const child: ChildProcess = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEEP);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  return {
    pid: child.pid,
    exited,
    output: () => output,
    async stop(graceMs = 15_000) {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a child to its end and returns its stdout; a non-zero exit is an error with its output.
 * `timeoutMs` bounds it: past that it is killed (a load process must never outlive its run). */
export async function runChild(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-OUTPUT_KEEP)));
  const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', resolve)).finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${stderr}${stdout.slice(-2000)}`);
  return stdout;
}

/** A port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Waits for GET /health to answer 200; fails at once, with its output, if the child dies first. */
export async function waitForHealth(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
  let dead = false;
  void child.exited.then(() => (dead = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dead) throw new Error(`the server at ${url} exited before it was ready:\n${child.output()}`);
    const ok = await fetch(`${url}/health`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the server at ${url} was not ready after ${timeoutMs} ms:\n${child.output()}`);
}

/** Resident memory from /proc (Linux): now, and the kernel's high-water mark since the start. */
export function memoryOf(pid: number): { rssMb: number; hwmMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** Linux reports CPU times in clock ticks of 1/100 s (USER_HZ). */
const TICK_SECONDS = 0.01;

/** CPU time (user + system) a process has used, in seconds. */
function processCpuSeconds(pid: number): number {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * TICK_SECONDS;
  } catch {
    return 0;
  }
}

/** CPU time of every process running the given command (e.g. PostgreSQL's `postgres`), by pid. */
function commandCpuSeconds(command: string): Map<number, number> {
  const found = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === command) found.set(Number(entry), processCpuSeconds(Number(entry)));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** CPU time the whole machine spent busy (all cores, everything but idle and iowait), in seconds. */
function machineBusySeconds(): number {
  const [, ...ticks] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).map(Number);
  const total = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return (total - (ticks[3] ?? 0) - (ticks[4] ?? 0)) * TICK_SECONDS;
}

export interface Usage {
  /** Highest VmRSS sampled while the load ran. */
  readonly loadPeakMb: number;
  /** VmHWM at the end: the peak since the process started (start-up included). */
  readonly hwmMb: number;
  readonly wallSeconds: number;
  /** CPU the server process(es) used while the load ran. */
  readonly serverCpuSeconds: number;
  /** CPU the whole machine used meanwhile: minus server and load, what else ran (tests, builds;
   * on PostgreSQL also the database). */
  readonly machineCpuSeconds: number;
  /** CPU of the database server's processes (PostgreSQL; null on SQLite, which runs in the server).
   * A backend that exited during the load is not counted. */
  readonly databaseCpuSeconds: number | null;
}

/** Samples VmRSS of the given processes every 100 ms until stopped (the figures are the largest
 * of the processes: each server instance has its own memory), and their CPU, the database's and
 * the machine's. */
export function sampleUsage(pids: readonly number[], databaseCommand: string | null): { stop(): Usage } {
  let loadPeakMb = 0;
  const sample = () => {
    for (const pid of pids) loadPeakMb = Math.max(loadPeakMb, memoryOf(pid)?.rssMb ?? 0);
  };
  const serverCpu = () => pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  const databaseCpu = () => (databaseCommand === null ? new Map<number, number>() : commandCpuSeconds(databaseCommand));
  const started = { at: performance.now(), server: serverCpu(), machine: machineBusySeconds(), database: databaseCpu() };
  sample();
  const timer = setInterval(sample, 100);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return {
        loadPeakMb,
        // The kernel's counters may lag a sample by a page or two: the peak is at least what we saw.
        hwmMb: Math.max(loadPeakMb, ...pids.map((pid) => memoryOf(pid)?.hwmMb ?? 0)),
        wallSeconds: (performance.now() - started.at) / 1000,
        serverCpuSeconds: serverCpu() - started.server,
        machineCpuSeconds: machineBusySeconds() - started.machine,
        databaseCpuSeconds: databaseCommand === null ? null : [...databaseCpu()].reduce((sum, [pid, seconds]) => sum + seconds - (started.database.get(pid) ?? 0), 0),
      };
    },
  };
}
