// The timeline of real checks, through the built CLI on the real daprd and Redis: the dead-letters
// exercise (its solution: 1 + maxRetries attempts answered RETRY, the dead letter and its delivery;
// its starter: a handler that throws, answered SUCCESS), the saga (a declined card's compensation,
// in order), and the page each check writes, opened in a real headless Chromium.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadCourse, type Exercise } from '../src/course/manifest.js';
import { workDir } from '../src/course/workbook.js';
import type { CheckResult } from '../src/grading/result.js';
import type { TimelineEvent } from '../src/timeline/model.js';
import { course } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixture.js';

const root = mkdtempSync(path.join(REPO_ROOT, 'test', 'tmp-timeline-'));
for (const dir of ['modules', 'exercises', 'solutions', 'checks', 'package.json']) {
  cpSync(path.join(REPO_ROOT, dir), path.join(root, dir), { recursive: true });
}
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The learner's work folder holding the starter, or the starter with the solution's files. */
function lay(id: string, which: 'starter' | 'solution'): void {
  const exercise = loadCourse(root).items.find((i): i is Exercise => i.kind === 'exercise' && i.id === id)!;
  const dir = workDir(root, exercise);
  rmSync(dir, { recursive: true, force: true });
  cpSync(exercise.starterDir, dir, { recursive: true });
  if (which === 'solution') for (const file of exercise.files) cpSync(path.join(exercise.solutionDir, file), path.join(dir, file), { recursive: true });
}

function checkJson(id: string): CheckResult {
  const run = course(root, ['check', id, '--reporter', 'json']);
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as CheckResult;
}

/** `kind topic #attempt answer` for each event of one message, broker state left out. */
const story = (events: TimelineEvent[], eventId: string) =>
  events
    .filter((e) => e.eventId === eventId && e.kind !== 'broker')
    .map((e) => [e.kind, e.app, e.topic, e.attempt ? `#${e.attempt}` : '', e.answer?.label ?? ''].filter(Boolean).join(' '));

const pages = () => readdirSync(path.join(root, '.course', 'timelines')).map((n) => path.join(root, '.course', 'timelines', n));

let deadLettersPage: string | undefined;

describe('the timeline of a real check', { timeout: 240_000 }, () => {
  test('dead-letters solution: the failing order is delivered 1 + maxRetries times with RETRY, then dead-lettered and delivered there', () => {
    lay('dead-letters', 'solution');
    const result = checkJson('dead-letters');
    expect(result.outcome).toBe('passed');
    const events = result.timeline!;
    const publish = events.find((e) => e.kind === 'publish' && (e.data as { orderId?: string }).orderId === 'dl-bad')!;
    expect(publish).toMatchObject({ app: 'check', via: 'payments', topic: 'orders', status: 204 });
    expect(story(events, publish.eventId!)).toEqual([
      'publish check orders',
      'delivery payments orders #1 RETRY',
      'delivery payments orders #2 RETRY',
      'delivery payments orders #3 RETRY',
      'dead-letter payments orders-dead',
      'delivery payments orders-dead #1 SUCCESS',
    ]);
    // The broker holds both deliveries acknowledged; the good order was charged in one attempt.
    expect(events.filter((e) => e.kind === 'broker' && e.eventId === publish.eventId).map((e) => `${e.topic} ${e.state}`).sort()).toEqual([
      'orders acked',
      'orders-dead acked',
    ]);
    const good = events.find((e) => e.kind === 'publish' && (e.data as { orderId?: string }).orderId === 'dl-good')!;
    expect(story(events, good.eventId!)).toEqual(['publish check orders', 'delivery payments orders #1 SUCCESS']);
    // Every event in the JSON report has the fields a reader needs.
    for (const e of events) expect(e).toEqual(expect.objectContaining({ at: expect.any(Number), kind: expect.any(String), app: expect.any(String) }));
    deadLettersPage = pages().find((p) => path.basename(p).startsWith('dead-letters-check-'));
    expect(deadLettersPage).toBeDefined();
  });

  test('dead-letters starter: the handler that throws is one delivery answered SUCCESS, drawn under the failure', () => {
    lay('dead-letters', 'starter');
    const run = course(root, ['check', 'dead-letters', '--timeline'], { COLUMNS: '80' });
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    const failure = lines.findIndex((l) => l.startsWith('✗ an order that cannot be charged'));
    const next = lines.findIndex((l, i) => i > failure && /^[✓✗] /.test(l));
    const under = lines.slice(failure, next).join('\n');
    expect(under).toMatch(/check\s+payments/);
    expect(under).toMatch(/●\s+│\s+A publish orders \{"orderId":"dl-bad"/);
    expect(under).toMatch(/├─+▶\s+A orders #1 SUCCESS \(the handler\s/);
    expect(under).toMatch(/threw:[\s│]+Error: cannot charge -5 for order dl-bad\)/);
    // The diagram says what the SDK's log line said: that line is not repeated under it.
    expect(under).not.toContain('Message processing failed');
    // --timeline: the whole check, then where the picture is, then the closing count.
    expect(run.stdout).toContain('Every event of this check of dead-letters:');
    expect(run.stdout).toMatch(/The timeline as a picture \(npx course timeline dead-letters\):\n  \.course\/timelines\/dead-letters-check-\S*\.html\n/);
    const picture = lines.findIndex((l) => l.startsWith('The timeline as a picture'));
    const summary = lines.findIndex((l) => /^\d+ passed, \d+ failed$/.test(l));
    expect(summary).toBeGreaterThan(failure);
    expect(picture).toBeGreaterThan(summary);
    // The diagrams fit the terminal (the learner-facing sentences are wrapped by the terminal).
    const drawn = lines.filter((l) => !/^[✓✗] /.test(l) && /[├▶◀●✗↻]|^\s+check\s+payments$/.test(l));
    expect(drawn.length).toBeGreaterThan(4);
    for (const line of drawn) expect(line.length).toBeLessThanOrEqual(80);
    // `course timeline` has no browser to open here: it prints the newest page's path.
    const opened = course(root, ['timeline', 'dead-letters'], { DISPLAY: undefined, WAYLAND_DISPLAY: undefined });
    expect(opened.code).toBe(0);
    expect(opened.stdout).toContain('No browser can be opened here. Open this file in one: ');
    const newest = opened.stdout.trim().split(': ').at(-1)!;
    expect(existsSync(newest)).toBe(true);
    expect(newest).not.toBe(deadLettersPage);
  });

  test('saga solution: a declined card is compensated, each event caused by the one before, in order', () => {
    lay('saga', 'solution');
    const result = checkJson('saga');
    expect(result.outcome).toBe('passed');
    const events = result.timeline!;
    const created = events.find((e) => e.kind === 'publish' && e.app === 'order' && (e.data as { paymentMethod?: string }).paymentMethod === 'declined-card')!;
    const orderId = (created.data as { orderId: string }).orderId;
    const ofOrder = events.filter(
      (e) => (e.kind === 'publish' || e.kind === 'delivery') && e.app !== 'check' && e.from !== 'check' && (e.data as { orderId?: string } | undefined)?.orderId === orderId,
    );
    const steps = ofOrder.map((e) => (e.kind === 'publish' ? `${e.app} publishes ${e.topic}` : `${e.topic} → ${e.app} ${e.answer?.label}`));
    expect(steps.slice(0, 5)).toEqual([
      'order publishes order.created',
      'order.created → inventory SUCCESS',
      'inventory publishes stock.reserved',
      'stock.reserved → payment SUCCESS',
      'payment publishes payment.declined',
    ]);
    // The compensation: the decline reaches inventory (which releases the stock) and order (which
    // cancels), in whichever order the two sidecars deliver it.
    expect(steps.slice(5).sort()).toEqual(['payment.declined → inventory SUCCESS', 'payment.declined → order SUCCESS']);
    // Each step was published while its service handled the step before.
    const byTopic = (topic: string) => ofOrder.find((e) => e.kind === 'publish' && e.topic === topic)!;
    expect(byTopic('stock.reserved').causedBy).toBe(created.eventId);
    expect(byTopic('payment.declined').causedBy).toBe(byTopic('stock.reserved').eventId);
    // The compensation itself: inventory writes the released stock while handling payment.declined.
    const released = events.filter((e) => e.kind === 'state' && e.app === 'inventory' && e.causedBy === byTopic('payment.declined').eventId);
    expect(released.map((e) => e.operation)).toContain('save');
  });
});

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`\n  Chromium is not installed (${CHROMIUM}): the timeline page's browser test does not run. apt-get install -y chromium\n`);
}

describe.skipIf(!hasChromium)('the timeline page in a real browser', { timeout: 120_000 }, () => {
  test('shows a lane per app, an arrow per attempt, the dead letter, and an event’s envelope on click', async () => {
    expect(deadLettersPage, 'the dead-letters check above wrote its page').toBeDefined();
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(path.join(root, 'chromium-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1280, height: 800 },
      offline: true,
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // No request may leave the page: it is self-contained.
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${deadLettersPage}`);
      await expect.poll(() => page.locator('svg .event').count()).toBeGreaterThan(0);
      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
      expect(await page.locator('.lane-name').allTextContents()).toEqual(['check', 'payments']);
      const deliveries = page.locator('svg .event.delivery');
      const labels = await deliveries.locator('.label').allTextContents();
      // dl-bad and dl-unpriced, which charge() refuses: three attempts each.
      expect(labels.filter((l) => l.startsWith('orders #') && l.includes('RETRY'))).toHaveLength(6);
      expect(labels.some((l) => l.startsWith('orders-dead #1') && l.includes('SUCCESS'))).toBe(true);
      expect(await deliveries.locator('line.arrow').count()).toBeGreaterThanOrEqual(4);
      expect(await page.locator('svg .event.dead-letter .label').allTextContents()).toEqual(Array(2).fill('dead-lettered to orders-dead  (failed on orders)'));
      // What each row is can be read at a laptop's width: the labels are in view, nothing over them.
      expect(await page.locator('#details').isHidden()).toBe(true);
      const label = (await deliveries.locator('.label').first().boundingBox())!;
      expect(label.x + 120).toBeLessThan(1280);
      // Click the first retried attempt: its envelope and the app's answer.
      await deliveries.filter({ hasText: 'orders #2' }).first().click();
      const details = await page.locator('#details').textContent();
      expect(details).toContain('"label": "RETRY"');
      expect(details).toContain('"orderId": "dl-bad"');
      expect(details).toContain('"specversion": "1.0"');
      expect(await page.locator('#details').isVisible()).toBe(true);
      await page.keyboard.press('Escape');
      expect(await page.locator('#details').isHidden()).toBe(true);
      // Filter by topic: only the dead-letter topic's events are left.
      await page.selectOption('#topic', 'orders-dead');
      const left = await page.locator('svg .event .label').allTextContents();
      expect(left.length).toBeGreaterThan(0);
      expect(left.every((l) => l.includes('orders-dead'))).toBe(true);
      await page.selectOption('#topic', '');
      // Filter by event id: the failing order's story alone.
      const id = (await page.locator('svg .event.dead-letter').first().getAttribute('data-event-id'))!;
      await page.fill('#event-id', id.slice(0, 8));
      const ids = await page.locator('svg .event').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-event-id')));
      expect(new Set(ids)).toEqual(new Set([id]));
      await page.fill('#event-id', '');
      const artifacts = path.join(REPO_ROOT, 'artifacts');
      mkdirSync(artifacts, { recursive: true });
      const screenshot = path.join(artifacts, 'timeline-dead-letters.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`\n  Screenshot of the dead-letters timeline page: ${screenshot}\n`);
    } finally {
      await browser.close();
    }
  });
});
