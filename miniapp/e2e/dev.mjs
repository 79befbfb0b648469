#!/usr/bin/env node
// Browser test of `make run`'s dev mode: open BASE_URL/dev, follow "Open as
// user A" and "Open as user B" in two browser contexts, onboard both through
// the Mini App's profile form, search, match and chat both ways. Telegram's
// script is unreachable here, as on a machine without Telegram: the app must
// take its init data from the link's URL hash.
//
//   BASE_URL   the running stack (cmd/run), CHROMIUM the browser binary
import { chromium } from 'playwright-core';

const base = (process.env.BASE_URL || '').replace(/\/$/, '');
if (!base) {
  console.error('dev-e2e: BASE_URL is not set');
  process.exit(2);
}
const WAIT = 15_000;
let passed = 0;
const ok = (what) => {
  passed++;
  console.log(`dev-e2e: ok   ${what}`);
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
try {
  const dev = await browser.newPage();
  await dev.goto(base + '/dev');
  const hrefs = await dev.locator('a.user').evaluateAll((as) => as.map((a) => a.href));
  if (hrefs.length !== 2) throw new Error(`/dev has ${hrefs.length} links; want 2`);
  ok('/dev offers two links');

  const users = [];
  for (const [i, href] of hrefs.entries()) {
    const context = await browser.newContext({ viewport: { width: 390, height: 780 } });
    const origin = new URL(base).origin;
    // Nothing off the app's origin: telegram.org is unreachable, like on a dev machine offline.
    await context.route((u) => u.origin !== origin, (route) => route.abort('internetdisconnected'));
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(href);
    users.push({ page, errors, name: i === 0 ? 'DevA' : 'DevB' });
  }
  for (const [i, u] of users.entries()) {
    const t = (id) => u.page.getByTestId(id);
    await t('profile-form').waitFor({ timeout: WAIT });
    await t('profile-nickname').fill(u.name);
    await t(`profile-gender-${i === 0 ? 'female' : 'male'}`).click();
    await t('profile-age').fill(i === 0 ? '25' : '27');
    await t('profile-save').click();
    await t('filter-screen').waitFor({ timeout: WAIT });
  }
  ok('both links open the Mini App as a new user, who onboards in the app');

  const [a, b] = users;
  await a.page.getByTestId('find-partner').click();
  await a.page.getByTestId('search-screen').or(a.page.getByTestId('chat-screen')).waitFor({ timeout: WAIT });
  await b.page.getByTestId('find-partner').click();
  for (const u of users) await u.page.getByTestId('chat-screen').waitFor({ timeout: WAIT });
  const header = await a.page.getByTestId('chat-screen').innerText();
  if (!header.includes('DevB')) throw new Error(`A's chat does not name DevB: ${header.slice(0, 200)}`);
  ok('the two users match each other');

  const say = async (from, to, text) => {
    const input = from.page.getByTestId('composer-input');
    await input.fill(text);
    await input.press('Enter');
    await to.page.getByTestId('message-text').filter({ hasText: text }).waitFor({ timeout: WAIT });
  };
  await say(a, b, 'hello from A');
  await say(b, a, 'hello from B');
  ok('they chat both ways');
  for (const u of users) if (u.errors.length) throw new Error(`${u.name}: page errors: ${u.errors.join(' | ')}`);
  console.log(`dev-e2e: ${passed} passed, 0 failed`);
} catch (e) {
  console.error(`dev-e2e: FAIL ${e.message}`);
  console.log(`dev-e2e: ${passed} passed, 1 failed`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
