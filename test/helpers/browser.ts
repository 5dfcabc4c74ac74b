import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

// Headless Chromium for end-to-end tests of the pages the server serves: Debian's own chromium
// (apt-get install chromium; .ci/run does it) driven by playwright-core, since playwright's browser
// downloads cannot be reached from our machines. A fresh profile per launch, deleted on close, and
// a record of every request the page made, so a test can prove nothing left the server's origin.

export const CHROMIUM = '/usr/bin/chromium';

/** The flags that work as root on our machines (../shared/notes/toolchain.md), plus quiet ones:
 * no first-run, sync, component or background traffic of the browser's own. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface TestBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every URL the page requested, in order. */
  readonly requests: string[];
  /** Uncaught errors and console errors (a CSP violation is one). */
  readonly errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(options: { width?: number; height?: number } = {}): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const profile = mkdtempSync(join(tmpdir(), 'keystate-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: options.width ?? 1440, height: options.height ?? 900 },
      acceptDownloads: true,
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const requests: string[] = [];
  const errors: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return {
    context,
    page,
    requests,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The origin a URL belongs to; a blob: URL belongs to the page that made it. */
export function originOf(url: string): string {
  const parsed = new URL(url);
  return parsed.protocol === 'blob:' ? new URL(parsed.pathname).origin : parsed.origin;
}
