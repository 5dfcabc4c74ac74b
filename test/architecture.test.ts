import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The dependency rules of STYLE.md §2.2, checked on the source text: machines stay pure, routes
// stay thin, and only repositories and storage talk to Prisma.

const ROOT = process.cwd();

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (path.startsWith(join('src', 'storage', 'generated'))) return [];
    return statSync(join(ROOT, path)).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative module a file imports or re-exports, type-only ones included, as a path from ROOT. */
function allLocalImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)].map((match) => join(dirname(file), (match[1] ?? '').replace(/\.js$/, '.ts')));
}

/** Every module a file imports at run time (type-only imports erase and are allowed). */
function valueImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)].map((match) => match[1] ?? '');
}

describe('architecture', () => {
  it('machines import only xstate, typebox (their context schemas: data) and each other, and read no clock or randomness', () => {
    // typebox/value: the journey validator checks documents against their schema (pure functions of schema and value).
    for (const file of sources('machines')) {
      for (const module of valueImports(file)) {
        expect(
          module === 'xstate' || module === 'typebox' || module === 'typebox/value' || module.startsWith('./') || (module.startsWith('../') && !module.includes('src/')),
          `${file} imports ${module}`,
        ).toBe(true);
      }
      const text = readFileSync(join(ROOT, file), 'utf8');
      expect(text, file).not.toMatch(/Date\.now\(|Math\.random\(|new Date\(\)|process\.env|node:/);
    }
  });

  it('provider clients are loaded only where their provider is configured (dynamic imports at start)', () => {
    // nodemailer's transport, Twilio's SDK and ioredis weigh tens of MB each (issue 10).
    const owners: Record<string, string> = { nodemailer: 'src/delivery/email-sender.ts', twilio: 'src/delivery/sms-sender.ts', ioredis: 'src/limits/redis-counter-store.ts' };
    const ownerModules = Object.values(owners).map((owner) => `/${owner.split('/').at(-1)?.replace(/\.ts$/, '.js')}`);
    for (const file of sources('src')) {
      for (const module of valueImports(file)) {
        if (module in owners) expect(file, `${file} imports ${module}`).toBe(owners[module]);
        expect(
          ownerModules.some((owner) => module.endsWith(owner)),
          `${file} imports ${module} statically`,
        ).toBe(false);
      }
    }
  });

  it('Argon2, the QR code library and the WebAuthn library are loaded at their first use, never at start', () => {
    // About 13 MB, 8 MB and 27 MB a server whose apps use no passwords, authenticators or passkeys never needs.
    const lazy = ['@node-rs/argon2', 'qrcode', '@simplewebauthn/server', '@simplewebauthn/server/helpers'];
    for (const file of sources('src')) {
      for (const module of valueImports(file)) expect(lazy, `${file} imports ${module} statically`).not.toContain(module);
    }
  });

  it('HTTP routes never reach the database: no Prisma, storage or repositories at run time', () => {
    const flowRoutes = sources(join('src', 'flows')).filter((file) => /routes\.ts$/.test(file));
    expect(flowRoutes.length).toBeGreaterThanOrEqual(6);
    for (const file of [...sources(join('src', 'http')), ...flowRoutes]) {
      for (const module of valueImports(file)) {
        expect(/prisma|storage\/|repositories\//.test(module), `${file} imports ${module}`).toBe(false);
      }
    }
  });

  it('only repositories and storage import the Prisma client', () => {
    for (const file of sources('src')) {
      const allowed = file.startsWith(join('src', 'repositories')) || file.startsWith(join('src', 'storage'));
      if (allowed) continue;
      for (const module of valueImports(file)) {
        expect(/generated\/|@prisma\//.test(module), `${relative(ROOT, file)} imports ${module}`).toBe(false);
      }
    }
  });

  it("exactly one module of src/ calls XState's pure transition API (the runner's transitions)", () => {
    const callers = sources('src').filter((file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      return /import\s+(?!type\s)\{[^}]*\b(initialTransition|transition|getNextSnapshot|getInitialSnapshot)\b[^}]*\}\s+from\s+'xstate'/s.test(text) || /\bcreateActor\s*\(/.test(text);
    });
    expect(callers).toEqual([join('src', 'engine', 'transitions.ts')]);
  });

  it('only src/main.ts reads the environment', () => {
    for (const file of sources('src')) {
      if (file === join('src', 'main.ts')) continue;
      expect(readFileSync(join(ROOT, file), 'utf8'), file).not.toMatch(/process\.env/);
    }
  });

  it('no import cycles in src/ and machines/, type imports included, and machines import nothing of src/ (STYLE §2.2)', () => {
    const files = [...sources('src'), ...sources('machines')];
    const graph = new Map(files.map((file) => [file, allLocalImports(file).filter((module) => files.includes(module))]));
    for (const file of sources('machines'))
      expect(
        (graph.get(file) ?? []).filter((module) => module.startsWith('src')),
        file,
      ).toEqual([]);
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'open');
      path.push(file);
      for (const module of graph.get(file) ?? []) {
        if (state.get(module) === 'open') cycles.push([...path.slice(path.indexOf(module)), module].join(' -> '));
        else if (state.get(module) === undefined) visit(module);
      }
      path.pop();
      state.set(file, 'done');
    };
    for (const file of files) if (state.get(file) === undefined) visit(file);
    expect(cycles).toEqual([]);
  });

  it('effect handlers never call the runner: their modules import no runner and take no runner steps (STYLE §2.2 rule 4)', () => {
    // EffectContext hands a handler the transaction only (src/engine/definition.ts); this keeps the
    // modules of handlers from reaching for the runner some other way.
    const handlerModules = [
      ...sources(join('src', 'flows')).filter((file) => file.endsWith('effects.ts')),
      join('src', 'delivery', 'kept-messages.ts'),
      join('src', 'credentials', 'shadow-credentials.ts'),
      ...sources(join('src', 'flows')).filter((file) => file.endsWith('stand-in.ts')),
    ];
    expect(handlerModules.length).toBeGreaterThanOrEqual(7);
    for (const file of handlerModules) {
      expect(
        allLocalImports(file).filter((module) => module === join('src', 'engine', 'runner.ts')),
        file,
      ).toEqual([]);
      expect(readFileSync(join(ROOT, file), 'utf8'), file).not.toMatch(/\bTxSteps\b|\bsteps\.(start|send|sendToAll)\(/);
    }
  });

  // Where a shared part still imports a flow (issue 16 §2: none).
  const SHARED_TO_FLOW_LEFT: string[] = [];

  it('a shared part imports no flow, type imports included (only the composition root and the registry do)', () => {
    const root = ['app.ts', 'main.ts', 'bootstrap.ts', 'dev-bootstrap.ts', join('engine', 'machines.ts'), join('http', 'routes')].map((path) => join('src', path));
    const shared = sources('src').filter((file) => !file.startsWith(join('src', 'flows')) && !root.some((path) => file.startsWith(path)));
    const found = shared.flatMap((file) =>
      allLocalImports(file)
        .filter((module) => module.startsWith(join('src', 'flows')))
        .map((module) => `${file} -> ${module}`),
    );
    expect(found.sort()).toEqual(SHARED_TO_FLOW_LEFT);
  });

  it('no flow imports another, except the session flow every factor hands its verdict to (and refresh, which it mints)', () => {
    const flowOf = (file: string) => file.split('/')[2];
    for (const file of sources(join('src', 'flows'))) {
      for (const module of allLocalImports(file).filter((path) => path.startsWith(join('src', 'flows')))) {
        const other = flowOf(module);
        if (other === flowOf(file)) continue;
        expect(other === 'session' || (flowOf(file) === 'session' && other === 'refresh'), `${file} imports ${module}`).toBe(true);
      }
    }
  });

  /** The floors of src/ (STYLE §2.1), lowest first: an import may go down or sideways, not up. */
  function floorOf(file: string): number {
    if (file.startsWith('machines')) return 0;
    if (['app.ts', 'main.ts', 'bootstrap.ts', 'dev-bootstrap.ts', join('engine', 'machines.ts')].some((top) => file === join('src', top))) return 6;
    if (file.startsWith(join('src', 'http', 'routes'))) return 5;
    if (file.startsWith(join('src', 'flows'))) return 4;
    if (file.startsWith(join('src', 'repositories'))) return 2;
    // model/: the data shapes every floor shares (an app's login preferences, claims, grants).
    const ground = [
      'errors.ts',
      'clock.ts',
      'fields.ts',
      'corrupt-row.ts',
      'model',
      'secrets',
      'storage',
      join('engine', 'definition.ts'),
      join('engine', 'instance-store.ts'),
      join('engine', 'transitions.ts'),
      join('engine', 'event-log.ts'),
      join('engine', 'stored-context.ts'),
    ];
    if (ground.some((path) => file.startsWith(join('src', path))) || /^src\/config[^/]*\.ts$/.test(file)) return 1;
    return 3;
  }

  // Imports that still run back up a floor, each with why it is there (issue 16 §2 allows 2; none
  // is left: a new one needs its reason here).
  const UPWARD_LEFT: Record<string, string> = {};

  it('imports that run back up a floor are counted, each listed with its reason', () => {
    const files = [...sources('src'), ...sources('machines')];
    const upward = files.flatMap((file) =>
      allLocalImports(file)
        .filter((module) => files.includes(module) && floorOf(module) > floorOf(file))
        .map((module) => `${file} -> ${module}`),
    );
    expect(upward.sort()).toEqual(Object.keys(UPWARD_LEFT).sort());
  });
});
