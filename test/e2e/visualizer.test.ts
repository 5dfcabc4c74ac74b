import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, originOf, type TestBrowser } from '../helpers/browser.js';
import { freshDatabase, type TestDatabase, testEngine } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// The visualizer page (issue 9) in headless Chromium against a real server: the admin token asked
// for once, every machine drawn with all of its states, the exports, the simulator through a magic
// link, a real passcode login followed live on its chart and replayed step by step; and not one
// request leaves the server's origin. Screenshots of each view go to the folder printed below.

interface Graph {
  name: string;
  nodes: { id: string }[];
  edges: { id: string }[];
}
interface Instance {
  version: number;
  state: string;
  steps: { state: string }[];
}

/** Charts that open whole but not yet readable (issue 19 point 4 is open for these three). */
const NOT_YET_READABLE = ['otp', 'magic-link', 'webauthn'];
const SHOTS = join(process.cwd(), 'test-results', 'visualizer', testEngine());
/** Loading a resource that answers 401 (before the token is given) is a console error in Chromium. */
const EXPECTED_CONSOLE = /Failed to load resource: the server responded with a status of 401/;

let db: TestDatabase;
let server: TestServer;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer({ databaseUrl: db.url, listen: true });
  browser = await launchBrowser();
  page = browser.page;
  mkdirSync(SHOTS, { recursive: true });
  console.log(`visualizer screenshots: ${SHOTS}`);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await db?.drop();
});

async function adminText(path: string): Promise<string> {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${server.config.adminToken}` } });
  expect(response.status, path).toBe(200);
  return response.text();
}
const admin = async <T>(path: string): Promise<T> => JSON.parse(await adminText(path)) as T;

const shoot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
/** Waits (auto-waiting, no sleeps) until the chart highlights this state as the current one. */
const currentIs = (state: string) => page.locator(`#chart [data-state="${state}"].current`).waitFor({ timeout: 10_000 });
const current = () => page.locator('#chart [data-state].current').getAttribute('data-state');

describe('the visualizer page', () => {
  it('is served from the server itself with a strict CSP; anything off the allow-list is a 404', async () => {
    const html = await fetch(`${server.url}/visualizer`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = html.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'"]) expect(csp).toContain(directive);
    expect(await html.text()).not.toMatch(/https?:\/\/(?!github\.com\/kieler\/elkjs)/);
    for (const [file, type] of [
      ['main.js', /^text\/javascript/],
      ['elk.bundled.js', /^text\/javascript/],
      ['style.css', /^text\/css/],
    ] as const) {
      const asset = await fetch(`${server.url}/visualizer/assets/${file}`);
      expect(asset.status, file).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(type);
    }
    for (const path of ['/visualizer/assets/nope.js', '/visualizer/assets/..%2Fvisualizer-page.ts', '/visualizer/assets/index.html', '/visualizer/assets/a/b.js']) {
      const missing = await fetch(`${server.url}${path}`);
      expect(missing.status, path).toBe(404);
      expect(await missing.json()).toEqual({ message: 'Not found', error_code: 404 });
    }
  });

  it('asks for the admin token once, then draws every machine with all of its states and no overlapping labels', async () => {
    await page.goto(`${server.url}/visualizer`);
    const dialog = page.locator('#token-dialog');
    await dialog.waitFor();
    await page.fill('#token-input', 'not-the-admin-token');
    await page.click('#token-submit');
    await expect.poll(() => page.locator('#token-error').textContent()).toContain('refused');
    await page.fill('#token-input', server.config.adminToken ?? '');
    await page.click('#token-submit');
    await dialog.waitFor({ state: 'hidden' });

    const machines = await admin<{ name: string }[]>('/visualizer/machines');
    expect(machines.length).toBeGreaterThanOrEqual(4);
    const fits: Fit[] = [];
    for (const { name } of machines) {
      const graph = await admin<Graph>(`/visualizer/machines/${name}.json`);
      await page.click(`[data-machine="${name}"]`);
      await page.locator(`#chart[data-machine="${name}"]`).waitFor({ state: 'attached' });
      // It opens whole (nothing cut off at the pane's edge) and readable (labels ≥ 10 px), with
      // some compound states collapsed if it must (issue 19 point 4): every state is drawn or inside
      // a collapsed box.
      const fit = await fitOf(page, name);
      fits.push(fit);
      expect(fit.outside, name).toEqual([]);
      expect(await overlappingLabels(page), name).toEqual([]);
      const opened = await drawnStates(page);
      const boxes = await page.locator('#chart [data-state].collapsed').evaluateAll((groups) => groups.map((group) => group.getAttribute('data-state') ?? ''));
      expect(boxes.length, name).toBe(fit.collapsed);
      const hidden = graph.nodes.map((node) => node.id).filter((id) => !opened.includes(id));
      expect(
        hidden.filter((id) => !boxes.some((box) => id.startsWith(`${box}.`))),
        name,
      ).toEqual([]);
      await shoot(`charts-${name}`);

      // A click on a collapsed box expands that box alone.
      if (boxes.length > 1) {
        await page.click(`#chart [data-state="${boxes[0]}"]`);
        await page.locator(`#chart[data-collapsed="${boxes.length - 1}"]`).waitFor({ state: 'attached' });
        expect(await page.locator(`#chart [data-state^="${boxes[0]}."]`).count(), name).toBeGreaterThan(0);
      }
      // Expanded, every state and every transition is drawn, and still no label overlaps another.
      await page.click('#expand-all');
      await page.locator('#chart[data-collapsed="0"]').waitFor({ state: 'attached' });
      expect((await drawnStates(page)).sort(), name).toEqual(graph.nodes.map((node) => node.id).sort());
      // A drawn wire may stand for several transitions (parallel ones, or one event's guarded
      // alternatives at a choice junction): every transition is drawn, and nothing else is.
      const members = await page.locator('#chart [data-edges]').evaluateAll((wires) => wires.flatMap((wire) => (wire.getAttribute('data-edges') ?? '').split(' ')));
      expect([...new Set(members)].sort(), name).toEqual(graph.edges.map((edge) => edge.id).sort());
      expect(await page.locator('#chart [data-initial]').count(), name).toBeGreaterThan(0);
      expect(await overlappingLabels(page), name).toEqual([]);
      expect((await fitOf(page, name)).outside, name).toEqual([]);
    }
    // The scale each chart opens at (chart units per pixel; 1 = labels at their own size), per run,
    // so a chart that grows shows up here.
    console.table(fits.map(({ name, units, collapsed, content, pane }) => ({ name, units, collapsed, content, pane })));
    // Readable: at most 1.1 chart units a pixel (11-unit labels at 10 px or more). Three charts are
    // not yet, even with every compound state collapsed: their transitions between the boxes take
    // the room (measured at 1440×900: otp 1.70, magic-link 1.29, webauthn 1.54); they open whole.
    const unreadable = fits.filter((fit) => fit.units > 1.1).map(({ name }) => name);
    expect(unreadable.sort()).toEqual([...NOT_YET_READABLE].sort());
  });

  it('downloads the selected machine as JSON and as Mermaid', async () => {
    await page.click('[data-machine="otp"]');
    await page.locator('#chart[data-machine="otp"]').waitFor({ state: 'attached' });
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
    expect(json.suggestedFilename()).toBe('otp.json');
    expect(JSON.parse(readFileSync(await json.path(), 'utf8'))).toEqual(await admin('/visualizer/machines/otp.json'));
    const [mermaid] = await Promise.all([page.waitForEvent('download'), page.click('#export-mermaid')]);
    expect(mermaid.suggestedFilename()).toBe('otp.mmd');
    expect(readFileSync(await mermaid.path(), 'utf8')).toBe(await adminText('/visualizer/machines/otp.mmd'));
  });

  it('simulates a magic link: delivered, then the code accepted, reaching authenticated.redeemed', async () => {
    await page.click('[data-view="simulator"]');
    await page.selectOption('#sim-machine', 'magic-link');
    await page.click('#sim-start button[type="submit"]');
    await currentIs('issuing');
    await page.click('#sim-choices [data-event="challenge.delivered"]');
    await currentIs('awaitingCode.waiting');
    // The choice without a guard is the one that accepts the code.
    await page.click('#sim-choices [data-event="code.submit"][data-guard=""]');
    await currentIs('authenticated.redeemed');
    expect(await page.locator('#sim-history > li').count()).toBe(3);
    expect(await page.locator('#sim-history').textContent()).toContain('simulated: recordAuthentication');
    expect(await page.locator('#chart [data-state="awaitingCode.waiting"]').getAttribute('class')).toContain('visited');
    await shoot('simulator');
  });

  let flowId = '';

  it('follows a real passcode login on its chart, without a reload, to authenticated.redeemed', async () => {
    const app = await server.createApp({ name: 'Visualized' });
    expect((await app.call('POST', '/cis/v1/users', { email: 'viz@example.com' })).status).toBe(201);
    const sent = await app.call('POST', '/cis/v1/auth/otp/send', { channel: 'direct', identifier_type: 'email', identifier: 'viz@example.com' });
    expect(sent.status).toBe(200);
    const flow = await server.storage.db.flow.findFirst({ where: { kind: 'otp' }, orderBy: { createdAt: 'desc' } });
    flowId = flow?.id ?? '';
    expect(flowId).not.toBe('');

    await page.click('[data-view="live"]');
    await page.click(`#recent-list [data-instance="flow:${flowId}"]`);
    await currentIs('pending.awaitingCode');
    // A reload would lose this mark.
    await page.evaluate(() => Object.assign(globalThis, { keystateNoReload: true }));

    server.clock.advance(5_000);
    const tokens = await app.call('POST', '/cis/v1/auth/otp/authenticate', { passcode: sent.body.code, identifier_type: 'email', identifier: 'viz@example.com' });
    expect(tokens.status).toBe(200);
    await currentIs('authenticated.redeemed');
    // The transitions taken light up the wires that draw them, merged or through a choice junction.
    expect(await page.locator('#chart .edge.taken').count()).toBeGreaterThan(0);
    expect(await page.evaluate(() => (globalThis as { keystateNoReload?: boolean }).keystateNoReload)).toBe(true);
    const instance = await admin<Instance>(`/visualizer/instances/flow/${flowId}`);
    expect(await page.locator('#instance-version').textContent()).toBe(String(instance.version));
    expect(await page.locator('#instance-context').textContent()).toContain('[redacted]');
    expect(await page.locator('#instance-events > li').count()).toBe(instance.steps.length);
    await shoot('live');
  });

  it('replays the login step by step: the highlight follows the steps the server replayed', async () => {
    const { steps } = await admin<Instance>(`/visualizer/instances/flow/${flowId}`);
    expect(steps.length).toBeGreaterThanOrEqual(3);
    const last = steps.length - 1;
    expect(await page.locator('#replay').getAttribute('data-step')).toBe(String(last));
    for (let index = last - 1; index >= 0; index--) {
      await page.click('#step-prev');
      await page.locator(`#replay[data-step="${index}"]`).waitFor({ state: 'attached' });
      expect(await current(), `step ${index}`).toBe(steps[index]?.state);
    }
    expect(await page.locator('#step-prev').isDisabled()).toBe(true);
    for (let index = 1; index <= last; index++) {
      await page.click('#step-next');
      await page.locator(`#replay[data-step="${index}"]`).waitFor({ state: 'attached' });
      expect(await current(), `step ${index}`).toBe(steps[index]?.state);
      if (index === 2) await shoot('replay');
    }
    await page.locator('#step-slider').fill('1');
    await currentIs(steps[1]?.state ?? '');
  });

  it('sent no request outside the server and hit no script error', async () => {
    const origin = new URL(server.url).origin;
    expect(browser.requests.length).toBeGreaterThan(10);
    expect(browser.requests.some((url) => url.endsWith('/visualizer/assets/elk.bundled.js'))).toBe(true);
    expect(browser.requests.filter((url) => originOf(url) !== origin)).toEqual([]);
    expect(browser.errors.filter((error) => !EXPECTED_CONSOLE.test(error))).toEqual([]);
    expect(await page.locator('#token-dialog').isVisible()).toBe(false);
  });
});

interface Fit {
  name: string;
  units: number;
  /** How many compound states it opened collapsed. */
  collapsed: number;
  content: string;
  pane: string;
  /** The sides on which the drawn content runs past the viewBox. */
  outside: string[];
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface Measured {
  units: number;
  collapsed: number;
  box: Rect;
  view: Rect;
  pane: { width: number; height: number };
}

/** How the chart opened: its scale and whether the drawn content's box lies inside the viewBox. */
async function fitOf(target: Page, name: string): Promise<Fit> {
  // A string: the test's TypeScript has no DOM types. getBBox() is the drawn content's box in chart units.
  const measured = await target.evaluate<Measured>(`(() => {
    const svg = document.getElementById('chart');
    const box = svg.getBBox();
    const view = svg.viewBox.baseVal;
    const pane = svg.getBoundingClientRect();
    return { units: Number(svg.dataset.units), collapsed: Number(svg.dataset.collapsed), box: { x: box.x, y: box.y, width: box.width, height: box.height }, view: { x: view.x, y: view.y, width: view.width, height: view.height }, pane: { width: pane.width, height: pane.height } };
  })()`);
  const { box, view } = measured;
  const outside = [
    box.x < view.x - 0.5 ? 'left' : '',
    box.y < view.y - 0.5 ? 'top' : '',
    box.x + box.width > view.x + view.width + 0.5 ? 'right' : '',
    box.y + box.height > view.y + view.height + 0.5 ? 'bottom' : '',
  ].filter(Boolean);
  const size = (of: { width: number; height: number }) => `${Math.round(of.width)}×${Math.round(of.height)}`;
  return { name, units: measured.units, collapsed: measured.collapsed, content: size(box), pane: size(measured.pane), outside };
}

const drawnStates = (target: Page): Promise<string[]> => target.locator('#chart [data-state]').evaluateAll((groups) => groups.map((group) => group.getAttribute('data-state') ?? ''));

interface Box {
  name: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Each element's owner (its edge or state) and its box on the screen. */
const boxesOf = (target: Page, selector: string): Promise<Box[]> =>
  target.locator(selector).evaluateAll((elements) =>
    elements.map((element) => {
      const { left, top, right, bottom } = element.getBoundingClientRect();
      const owner = element.closest('[data-edge],[data-state]');
      return { name: owner?.getAttribute('data-edge') ?? owner?.getAttribute('data-state') ?? '?', left, top, right, bottom };
    }),
  );

/** Pairs of edge labels, or an edge label and a state's box, that overlap on the drawn chart. */
async function overlappingLabels(target: Page): Promise<string[]> {
  const labels = await boxesOf(target, '#chart .edge .label-bg');
  const states = await boxesOf(target, '#chart .state.atomic > .box, #chart .state.final > .box');
  const hit = (a: Box, b: Box) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  return labels.flatMap((label, i) => [...labels.slice(i + 1), ...states].filter((other) => hit(label, other)).map((other) => `${label.name} / ${other.name}`));
}
