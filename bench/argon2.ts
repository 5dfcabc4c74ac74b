import { availableParallelism, cpus } from 'node:os';
import { hash, verify } from '@node-rs/argon2';

// `npm run bench:argon2`: how long one Argon2id verify takes on this machine for a few parameter
// sets (OWASP's minimum, and above it), so the defaults of src/credentials/password-hasher.ts are
// chosen from a measurement: the median of 15 verifies of a wrong password, one at a time.

const CANDIDATES: readonly { memoryKib: number; timeCost: number }[] = [
  { memoryKib: 19_456, timeCost: 2 },
  { memoryKib: 32_768, timeCost: 2 },
  { memoryKib: 32_768, timeCost: 3 },
  { memoryKib: 47_104, timeCost: 1 },
  { memoryKib: 65_536, timeCost: 2 },
  { memoryKib: 65_536, timeCost: 3 },
];
const RUNS = 15;

console.log(`${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`);
console.log('| memory | passes | median verify | slowest |');
console.log('|---:|---:|---:|---:|');
for (const { memoryKib, timeCost } of CANDIDATES) {
  const stored = await hash('correct horse battery staple', { memoryCost: memoryKib, timeCost, parallelism: 1 });
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = process.hrtime.bigint();
    await verify(stored, 'wrong password');
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(`| ${memoryKib / 1024} MiB | ${timeCost} | ${times[Math.floor(RUNS / 2)]?.toFixed(1)} ms | ${times.at(-1)?.toFixed(1)} ms |`);
}
