// Shared parts of the browser stories: one Chromium, users opened the way
// Telegram opens the Mini App (launch parameters in the fragment and the
// Telegram client of telegram-client.mjs around the page), what each user's
// page logged, screenshots in both themes, the real API called from the
// script, and a runner of named steps that stops at the first failure.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { launchHash, telegramClient, themes } from './telegram-client.mjs';

export const WAIT = 15_000;
export const PHONE = { width: 390, height: 844 };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const log = (...a) => console.log('e2e:', ...a);

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** waitFor polls until check() returns true. */
export async function waitFor(what, check, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out: ${what}`);
}

export const tid = (page, id) => page.getByTestId(id);
export const tg = (user) => user.page.evaluate(() => window.__tg);
export const popupAnswers = (user, answers) => user.page.evaluate((a) => window.__tg.popupAnswers.push(...a), answers);

export async function box(locator) {
  const b = await locator.boundingBox();
  assert(b, 'element has no box');
  return b;
}

export async function messageTexts(user) {
  return user.page.getByTestId('message-text').allTextContents();
}

/** waitForMessage waits until `text` is shown. */
export async function waitForMessage(user, text, { timeout = WAIT } = {}) {
  try {
    await waitFor(`${user.label} shows ${JSON.stringify(text)}`, async () => (await messageTexts(user)).includes(text), timeout);
  } catch {
    throw new Error(`${user.label} never showed the message ${JSON.stringify(text)}; has ${JSON.stringify(await messageTexts(user))}`);
  }
}

/** send types text and taps the send button (on a phone Enter is a new line). */
export async function send(user, text) {
  await tid(user.page, 'composer-input').fill(text);
  await tid(user.page, 'send-button').click();
}

/**
 * startHarness launches Chromium and returns what a story needs. Screenshots
 * go to `screenshotDir` as <shot>-<lang>-<theme>.png (the Go test empties it
 * once per run).
 */
export async function startHarness({ baseUrl, screenshotDir }) {
  await mkdir(screenshotDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const origin = new URL(baseUrl).origin;
  const users = [];

  /**
   * openUser opens one user in a browser context of their own; `query` is
   * the page's query string (the app's test settings, e.g. ?widen_after_s=3).
   */
  async function openUser(label, initData, { lang, theme, query = '' }) {
    const context = await browser.newContext({
      viewport: PHONE,
      deviceScaleFactor: 1,
      isMobile: true,
      hasTouch: true,
      locale: lang === 'ru' ? 'ru-RU' : 'en-US',
      timezoneId: 'Europe/Amsterdam',
    });
    const user = { label, lang, theme, context, page: null, errors: [], dialogs: [], thirdParty: [], requests: [], allowed: [] };
    await context.route(
      (u) => u.origin !== origin,
      (route) => {
        user.thirdParty.push(route.request().url());
        return route.abort('blockedbyclient');
      },
    );
    await context.addInitScript({ content: telegramClient({ theme }) });
    const page = await context.newPage();
    user.page = page;
    page.on('console', (m) => {
      if (m.type() === 'error') user.errors.push({ at: Date.now(), text: m.text(), url: m.location()?.url ?? '' });
    });
    page.on('pageerror', (e) => user.errors.push({ at: Date.now(), text: `pageerror: ${e.message}`, url: '' }));
    page.on('dialog', (d) => {
      user.dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => {
      const u = new URL(r.url());
      user.requests.push({ at: Date.now(), method: r.method(), path: u.pathname, query: u.search });
    });
    await page.goto(`${baseUrl}/${query}${launchHash({ initData, theme })}`);
    users.push(user);
    return user;
  }

  /** allowHttp excuses the browser's console error for an answer the step expects (e.g. a 409 it explains). */
  function allowHttp(user, status, pathPattern) {
    user.allowed.push({ status, pathPattern });
  }

  async function shot(user, name, theme = user.theme) {
    await user.page.screenshot({ path: path.join(screenshotDir, `${name}-${user.lang}-${theme}.png`) });
  }

  /** themed switches a user's Telegram theme live and waits for the repaint. */
  async function themed(user, theme) {
    await user.page.evaluate((p) => window.Telegram.WebView.receiveEvent('theme_changed', { theme_params: p }), themes[theme]);
    await waitFor(`${user.label} repainted ${theme}`, async () =>
      (await user.page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--app-bg').trim())) === themes[theme].bg_color,
    );
  }

  /** shots saves a screen in the user's theme and, switched live, in the other one. */
  async function shots(user, name) {
    await shot(user, name);
    const other = user.theme === 'light' ? 'dark' : 'light';
    await themed(user, other);
    await shot(user, name, other);
    await themed(user, user.theme);
  }

  /** api calls the real API as a user, from this script (set-up, and reading what the server keeps). */
  async function api(initData, method, p, body) {
    const res = await fetch(baseUrl + p, {
      method,
      headers: { Authorization: `tma ${initData}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: res.status, json };
  }

  /** noConsoleErrors: every user's console is clean but for the answers a step expected; no dialogs, nothing third-party. */
  function noConsoleErrors() {
    for (const u of users) {
      const excused = (e) => u.allowed.some((a) => e.text.includes(`status of ${a.status}`) && (a.pathPattern.test(e.url) || e.url === ''));
      const errors = u.errors.filter((e) => !excused(e));
      const n = u.errors.length - errors.length;
      if (n > 0) log(`${u.label}: excused ${n} expected browser error(s), e.g. ${u.errors.find(excused).text}`);
      assert(errors.length === 0, `${u.label}: console errors:\n  ${errors.map((e) => `${e.text} (${e.url})`).join('\n  ')}`);
      assert(u.dialogs.length === 0, `${u.label}: browser dialogs (Telegram popups expected instead): ${u.dialogs}`);
      assert(u.thirdParty.length === 0, `${u.label}: third-party requests: ${u.thirdParty}`);
    }
  }

  /** run runs the steps in order, stops at the first failure (with a screenshot of every page), and exits. */
  async function run(steps, { watchdogMs }) {
    const watchdog = setTimeout(() => {
      console.error(`e2e: FAIL: the whole run took longer than ${watchdogMs / 1000} s`);
      process.exit(1);
    }, watchdogMs);
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const began = Date.now();
    for (const s of steps) {
      if (failed > 0) {
        skipped++;
        log(`SKIP ${s.name}`);
        continue;
      }
      const t0 = Date.now();
      try {
        await s.fn();
        passed++;
        log(`ok   ${s.name} (${Date.now() - t0} ms)`);
      } catch (err) {
        failed++;
        console.error(`e2e: FAIL ${s.name}\n      ${err instanceof Error ? err.message : err}`);
        for (const u of users) {
          await u.page.screenshot({ path: path.join(screenshotDir, `failure-${u.label}.png`) }).catch(() => {});
          if (u.errors.length) console.error(`      ${u.label} console errors: ${u.errors.map((e) => e.text).join(' | ')}`);
        }
      }
    }
    clearTimeout(watchdog);
    await browser.close();
    log(`took ${((Date.now() - began) / 1000).toFixed(1)} s`);
    console.log(`e2e: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
    process.exit(failed > 0 ? 1 : 0);
  }

  return { browser, users, openUser, allowHttp, shot, shots, themed, api, noConsoleErrors, run };
}
