#!/usr/bin/env node
// Browser test of `make run`'s dev mode: open BASE_URL/dev, choose Russian
// and the dark theme, follow "Open as user A" and "Open as user B" in two
// browser contexts, onboard both through the Mini App's profile form, search,
// match and chat both ways; then "Reset all dev data" brings both back to
// onboarding, and a session the server refuses points back to /dev. Nothing
// but the app's origin is reachable, as on a machine without Telegram.
//
//   BASE_URL   the running stack (cmd/run), CHROMIUM the browser binary,
//   SCREENSHOT_DIR where the dev page's screenshot goes (optional)
import path from 'node:path';
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
const assert = (cond, msg) => {
  if (!cond) throw new Error(msg);
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
const origin = new URL(base).origin;
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  // Nothing off the app's origin, like a dev machine offline.
  await context.route((u) => u.origin !== origin, (route) => route.abort('internetdisconnected'));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

try {
  const { page: dev } = await newPage();
  await dev.goto(base + '/dev');
  assert((await dev.locator('a.user').count()) === 6, `/dev has ${await dev.locator('a.user').count()} links; want 6 (A–F)`);
  await dev.getByLabel('Русский').check();
  await dev.getByLabel('Dark').check();
  await dev.getByRole('button', { name: 'Update the links' }).click();
  await dev.waitForURL(/lang=ru/);
  if (process.env.SCREENSHOT_DIR) await dev.screenshot({ path: path.join(process.env.SCREENSHOT_DIR, 'dev-page.png') });
  const hrefs = await dev.locator('a.user').evaluateAll((as) => as.slice(0, 2).map((a) => a.href));
  ok('/dev offers users A–F, in a chosen language and theme');

  const users = [];
  for (const [i, href] of hrefs.entries()) {
    const u = await newPage();
    await u.page.goto(href);
    users.push({ ...u, name: i === 0 ? 'DevA' : 'DevB' });
  }
  for (const [i, u] of users.entries()) {
    const t = (id) => u.page.getByTestId(id);
    await u.page.getByRole('heading', { name: 'О вас' }).waitFor({ timeout: WAIT });
    const bg = await u.page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--app-bg').trim());
    assert(bg === '#17212b', `${u.name}: background ${bg}, want Telegram's dark #17212b`);
    await t('profile-nickname').fill(u.name);
    await t(`profile-gender-${i === 0 ? 'female' : 'male'}`).click();
    await t('profile-age').fill(i === 0 ? '25' : '27');
    await t('profile-save').click();
    await t('filter-screen').waitFor({ timeout: WAIT });
  }
  ok('both links open the Mini App in Russian and dark as a new user, who onboards in the app');

  const [a, b] = users;
  await a.page.getByTestId('find-partner').click();
  await a.page.getByTestId('search-screen').or(a.page.getByTestId('chat-screen')).waitFor({ timeout: WAIT });
  await b.page.getByTestId('find-partner').click();
  for (const u of users) await u.page.getByTestId('chat-screen').waitFor({ timeout: WAIT });
  await a.page.getByRole('heading', { name: 'DevB' }).waitFor({ timeout: WAIT });
  ok('the two users match each other');

  const say = async (from, to, text) => {
    await from.page.getByTestId('composer-input').fill(text);
    await from.page.getByTestId('send-button').click();
    await to.page.getByTestId('message-text').filter({ hasText: text }).waitFor({ timeout: WAIT });
  };
  await say(a, b, 'hello from A');
  await say(b, a, 'hello from B');
  ok('they chat both ways');

  // Outside Telegram the app draws its own Back button, and asks with the browser's confirm().
  a.page.once('dialog', (d) => void d.accept());
  await a.page.getByRole('button', { name: 'Назад' }).click();
  await a.page.getByTestId('filter-screen').waitFor({ timeout: WAIT });
  ok('outside Telegram: an on-screen Back button, confirm() before leaving');

  await dev.goto(base + '/dev');
  await dev.getByRole('button', { name: 'Reset all dev data' }).click();
  await dev.getByRole('status').filter({ hasText: 'All dev data was deleted' }).waitFor({ timeout: WAIT });
  for (const u of users) {
    await u.page.reload();
    await u.page.getByTestId('profile-form').waitFor({ timeout: WAIT });
  }
  ok('"Reset all dev data" brings every dev user back to onboarding');

  // A session the server refuses (here: init data tampered with) says so and points back to /dev.
  const { page: x } = await newPage();
  await x.goto(hrefs[0].replace('tgWebAppData=', 'tgWebAppData=x'));
  await x.getByText('Сессия истекла — откройте приложение снова из бота.').waitFor({ timeout: WAIT });
  await x.getByRole('link', { name: 'Вернуться на /dev' }).click();
  await x.waitForURL(`${base}/dev`);
  ok('an expired session links back to /dev');

  for (const u of users) if (u.errors.length) throw new Error(`${u.name}: page errors: ${u.errors.join(' | ')}`);
  console.log(`dev-e2e: ${passed} passed, 0 failed`);
} catch (e) {
  console.error(`dev-e2e: FAIL ${e.message}`);
  console.log(`dev-e2e: ${passed} passed, 1 failed`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
