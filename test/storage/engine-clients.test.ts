import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT } from '../helpers/build.js';
import { freshDatabase, testEngine, type TestDatabase } from '../helpers/db.js';

// Each engine loads its own generated client only: the SQL helpers come from Prisma's shared
// runtime (src/storage/sql.ts) and the other client is imported for its types only. A process
// started from dist/ imports the whole app and opens the storage of this project's engine; a module
// hook reports every generated-client and query-compiler module the process loads. The query
// compiler is the one built for size (prisma/schema.prisma, compilerBuild): the fast build's
// optimized WebAssembly held 60-90 MB more of a server's memory (issue 17 §3).

const HOOKS = `
let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, next) {
  if (url.includes('/storage/generated/') || url.includes('/query_compiler_')) port.postMessage(url);
  return next(url, context);
}`;

const SCRIPT = (databaseUrl: string) => `
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const loaded = new Set();
port1.on('message', (url) => loaded.add(url));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: { port: port2 }, transferList: [port2] });
await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/src/app.js')).href)});
const { openStorage } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/src/storage/prisma.js')).href)});
const storage = await openStorage(${JSON.stringify(databaseUrl)});
await storage.close();
await new Promise((resolve) => setTimeout(resolve, 100));
const clients = [...loaded].filter((url) => url.includes('/storage/generated/')).map((url) => url.replace(/^.*\\/storage\\/generated\\//, '').split('/')[0]);
const compilers = [...loaded].filter((url) => url.includes('/query_compiler_')).map((url) => url.replace(/^.*\\/runtime\\//, ''));
console.log(JSON.stringify({ clients, compilers }));
`;

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.drop());

it("the process of one engine never loads the other engine's generated client, and loads its size-built query compiler", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', SCRIPT(database.url)], { cwd: ROOT, timeout: 60_000 });
  const { clients, compilers }: { clients: string[]; compilers: string[] } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
  const engines = new Set(clients);
  const other = testEngine() === 'sqlite' ? 'postgresql' : 'sqlite';
  expect(engines).toEqual(new Set([testEngine()]));
  expect(engines.has(other)).toBe(false);
  // Its own engine's compiler, the size build (runtime glue and WebAssembly), nothing else.
  const compiler = `query_compiler_small_bg.${testEngine()}`;
  expect(new Set(compilers)).toEqual(new Set([`${compiler}.mjs`, `${compiler}.wasm-base64.mjs`]));
}, 90_000);
