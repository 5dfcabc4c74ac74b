import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { TestClient } from './test-server.js';
import { type VirtualAuthenticator, type VirtualAuthenticatorOptions, virtualAuthenticator } from './webauthn.js';

// The passkeys sample page (GET /dev/passkeys) driven as a person would, through its data-testid
// elements, for the browser end-to-end tests of issue 18 point 5. Each page is a fresh tab with its
// own CDP virtual authenticator (a tab's WebAuthn environment is its own) and its own
// sessionStorage, so one browser serves a whole matrix without one case seeing another's state.
//
// A step is done when the page gives its buttons back: run() in sample.js disables every button
// synchronously in the click handler and enables them again once the step settled, so waiting for
// that is waiting on the page's state, never on time.

/** A guard against a hang on a loaded machine, not a bound on speed. */
const WAIT_MS = 60_000;

export interface SamplePage {
  readonly page: Page;
  readonly authenticator: VirtualAuthenticator;
  /** The text of a data-testid element. */
  text(testId: string): Promise<string>;
  /** Clicks a button of the page and waits for its step to settle; answers the error shown ('' if none). */
  step(testId: string): Promise<string>;
  /** Signs in as `email` with the code the page reads from the dev outbox: the user token and session. */
  signInWithEmail(email: string): Promise<void>;
  /** Lists the user's passkeys in the page: one line per passkey. */
  listed(): Promise<string[]>;
  close(): Promise<void>;
}

/** Opens the sample page of `client` on `origin` in a new tab with a virtual authenticator. */
export async function openSamplePage(context: BrowserContext, origin: string, client: TestClient, options: VirtualAuthenticatorOptions): Promise<SamplePage> {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const authenticator = await virtualAuthenticator(page, options);
  await page.goto(`${origin}/dev/passkeys?client_id=${encodeURIComponent(client.clientId)}`);
  await page.getByTestId('support').filter({ hasText: 'supports passkeys' }).waitFor();
  await page.getByTestId('client-secret').fill(client.clientSecret);
  return samplePage(page, authenticator);
}

function samplePage(page: Page, authenticator: VirtualAuthenticator): SamplePage {
  const text = async (testId: string) => (await page.getByTestId(testId).textContent()) ?? '';
  const step = async (testId: string) => {
    await page.getByTestId(testId).click();
    // (A locator, not waitForFunction: the page's CSP forbids the eval that one needs.)
    await page.locator('button:disabled').first().waitFor({ state: 'detached' });
    return text('error');
  };
  return {
    page,
    authenticator,
    text,
    step,
    async signInWithEmail(email) {
      await page.getByTestId('email').fill(email);
      expect(await step('send-code')).toBe('');
      expect(await page.getByTestId('code').inputValue()).toMatch(/^[A-Za-z0-9-]{4,32}$/);
      expect(await step('sign-in')).toBe('');
      expect(await text('amr')).toBe('["eotp"]');
    },
    async listed() {
      expect(await step('list')).toBe('');
      return page.getByTestId('credential').allTextContents();
    },
    async close() {
      await authenticator.remove();
      await page.close();
    },
  };
}

/** The last answer the page shows: its first line, `METHOD /path → status`. */
export async function lastCall(sample: SamplePage): Promise<string> {
  return (await sample.text('result')).split('\n')[0] ?? '';
}

/** Runs the passkey helper module as served (`/cis/v1/webauthn/client.js`) in the page on request
 * options a test got from the server: the `webauthn_encoded_result`, or the error it threw. The code
 * is a string: this project compiles without the DOM's types, and vitest would rewrite an import(). */
export function helperAuthenticate(page: Page, requestOptions: unknown): Promise<{ value: string } | { error: string }> {
  return page.evaluate(`(async () => {
    const helper = await import('/cis/v1/webauthn/client.js');
    try {
      return { value: await helper.authenticate(${JSON.stringify(requestOptions)}) };
    } catch (error) {
      return { error: error.name + ': ' + error.message };
    }
  })()`);
}
