import { ensureBuilt } from './helpers/build.js';

// Once per run, before any test file: the processes tests start run dist/ (test/helpers/process.ts).
export default function setup(): void {
  ensureBuilt();
}
