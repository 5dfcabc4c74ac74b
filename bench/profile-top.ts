import { readFileSync } from 'node:fs';

// Summarises V8 CPU profiles (`node --cpu-prof`, written by `npm run bench -- --profile`): the
// functions with the most self time, and self time by owner (our src/, each npm package, Node's
// internals, garbage collection, idle), which shows what part of a request's cost is not ours.
//   npx tsx bench/profile-top.ts bench/profiles/ES256-silent-auth/*.cpuprofile [--top 25]

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface Profile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: CallFrame }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Who a frame belongs to: a package, our code, Node itself, or V8's pseudo-frames. */
function ownerOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  // Our statement cache calls better-sqlite3's native methods: their self time is SQLite running
  // the statement (and the WAL write of a COMMIT), not our code.
  if (/storage\/sqlite-statements\.[jt]s$/.test(url) && ['run', 'all', 'columns', 'raw'].includes(functionName)) return 'SQLite (native, through better-sqlite3)';
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage?.[1] !== undefined) return inPackage[1];
  if (url.startsWith('node:')) return 'node internals';
  // The only WebAssembly in the server is Prisma's (query compiler, schema engine at start).
  if (url.startsWith('wasm://')) return 'wasm (Prisma)';
  const inRepo = /\/(src|machines|dist\/src|dist\/machines|bench)\//.exec(url);
  return inRepo?.[1] !== undefined ? `ours: ${inRepo[1].replace('dist/', '')}` : url;
}

const args = process.argv.slice(2);
const topIndex = args.indexOf('--top');
const top = topIndex === -1 ? 25 : Number(args[topIndex + 1]);
const files = args.filter((_arg, index) => topIndex === -1 || (index !== topIndex && index !== topIndex + 1));
if (files.length === 0) throw new Error('usage: profile-top.ts FILE.cpuprofile… [--top N]');

const byFunction = new Map<string, number>();
const byOwner = new Map<string, number>();
let total = 0;
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  profile.samples.forEach((id, index) => {
    const frame = frames.get(id);
    const micros = profile.timeDeltas[index] ?? 0;
    if (frame === undefined) return;
    const place = frame.url === '' ? '' : ` ${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|machines|bench|dist)\//, '$1/')}:${frame.lineNumber + 1}`;
    const name = `${frame.functionName || '(anonymous)'}${place}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    byOwner.set(ownerOf(frame), (byOwner.get(ownerOf(frame)) ?? 0) + micros);
    total += micros;
  });
}

const print = (title: string, entries: Map<string, number>, count: number) => {
  console.log(`\n${title}`);
  for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`${(micros / 1000).toFixed(0).padStart(8)} ms ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${name}`);
  }
};
/** Owners gathered into the layers a request passes through. */
function layerOf(owner: string): string {
  if (owner.startsWith('@prisma/') || owner === 'wasm (Prisma)') return 'Prisma (client, adapter, query compiler)';
  if (owner.startsWith('SQLite') || owner === 'better-sqlite3' || owner === 'pg' || owner === 'pg-protocol') return 'database driver and SQLite';
  if (owner.startsWith('ours')) return 'ours (src/, machines/)';
  if (owner === 'xstate') return 'xstate';
  if (owner === 'jose') return 'jose';
  if (
    ['fastify', 'ajv', 'find-my-way', 'fast-json-stringify', 'secure-json-parse', 'light-my-request', 'avvio', 'pino', '@pinojs/redact', 'fast-uri', 'fast-querystring'].includes(owner) ||
    owner.startsWith('@fastify/')
  )
    return 'Fastify (routing, validation, serialisation, logging)';
  if (owner === 'node internals' || owner === '(native)' || owner === '(program)') return 'Node and V8 (HTTP, crypto, timers)';
  if (owner === '(garbage collector)' || owner === '(idle)') return owner;
  return 'other packages';
}
const byLayer = new Map<string, number>();
for (const [owner, micros] of byOwner) byLayer.set(layerOf(owner), (byLayer.get(layerOf(owner)) ?? 0) + micros);

console.log(`${files.length} profile(s), ${(total / 1e6).toFixed(1)} s sampled (start-up and set-up included)`);
print('self time by layer', byLayer, 12);
print('self time by owner', byOwner, 20);
print(`top ${top} functions by self time`, byFunction, top);
