#!/usr/bin/env node
// Browser test of the RichAds isolation, against an API with RichAds
// configured (TestBrowserAdsFrame). RichAds' servers cannot be reached here,
// so this checks what the app controls: the ad script is only ever asked for
// by the sandboxed frame, never by the app's page; the frame has an opaque
// origin (it cannot read the app's URL, where the init data is, nor its
// storage or DOM); the app's own policy does not admit RichAds; the app
// works as usual.
//
//   BASE_URL, INITDATA (an onboarded user), CHROMIUM
import { chromium } from 'playwright-core';
import { launchHash, telegramClient } from './telegram-client.mjs';

const base = (process.env.BASE_URL || '').replace(/\/$/, '');
if (!base || !process.env.INITDATA) {
  console.error('ads-e2e: BASE_URL and INITDATA must be set');
  process.exit(2);
}
const assert = (cond, msg) => {
  if (!cond) throw new Error(msg);
};
let passed = 0;
const ok = (what) => {
  passed++;
  console.log(`ads-e2e: ok   ${what}`);
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
try {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const origin = new URL(base).origin;
  const outside = [];
  await context.route(
    (u) => u.origin !== origin,
    (route) => {
      const r = route.request();
      outside.push({ url: r.url(), fromApp: r.frame() === page.mainFrame() });
      return route.abort('blockedbyclient');
    },
  );
  await context.addInitScript({ content: telegramClient({ theme: 'light' }) });
  const page = await context.newPage();
  const csp = [];
  page.on('response', (r) => {
    const p = new URL(r.url()).pathname;
    if (p === '/' || p === '/ads.html' || p === '/ads-init.js') csp.push([p, r.headers()['content-security-policy'] ?? '', r.status()]);
  });
  await page.goto(`${base}/${launchHash({ initData: process.env.INITDATA, theme: 'light' })}`);
  await page.getByTestId('filter-screen').waitFor({ timeout: 15_000 });
  ok('the app works with RichAds on');

  const frameEl = page.locator('iframe[data-ads]');
  await frameEl.waitFor({ state: 'attached', timeout: 15_000 });
  const sandbox = (await frameEl.getAttribute('sandbox')) ?? '';
  assert(sandbox.includes('allow-scripts') && !sandbox.includes('allow-same-origin'), `ads frame sandbox is ${JSON.stringify(sandbox)}`);
  const frame = page.frames().find((f) => f.url().includes('/ads.html'));
  assert(frame, 'no ads.html frame loaded');
  await frame.waitForLoadState('load');
  const seen = await frame.evaluate(() => {
    const tryRead = (f) => {
      try {
        return String(f());
      } catch (e) {
        return `refused: ${e.name}`;
      }
    };
    return {
      origin: self.origin,
      parentUrl: tryRead(() => window.parent.location.href),
      parentDom: tryRead(() => window.parent.document.title),
      storage: tryRead(() => window.localStorage.length),
      hash: location.hash,
    };
  });
  assert(seen.origin === 'null', `the ads frame's origin is ${seen.origin}, want opaque ("null")`);
  for (const k of ['parentUrl', 'parentDom', 'storage']) assert(seen[k].startsWith('refused'), `the ads frame could read ${k}: ${seen[k]}`);
  assert(!seen.hash.includes('tgWebAppData') && seen.hash.startsWith('#pub='), `the ads frame was given ${seen.hash}`);
  ok('the ads frame is sandboxed with an opaque origin: no parent URL (init data), DOM or storage; it gets only the ids');

  await page.waitForTimeout(500);
  const ad = outside.filter((o) => o.url.includes('richinfo.co'));
  assert(ad.length >= 1 && ad.every((o) => !o.fromApp), `RichAds requests ${JSON.stringify(ad)}: want some, all from the frame`);
  const app = csp.find(([p]) => p === '/')?.[1] ?? '';
  const ads = csp.find(([p]) => p === '/ads.html')?.[1] ?? '';
  assert(/script-src 'self';/.test(app) && !app.includes('richinfo'), `the app's policy: ${app}`);
  assert(ads.includes('https://richinfo.co') && ads.includes("default-src 'none'"), `the frame's policy: ${ads}`);
  assert(csp.some(([p, , status]) => p === '/ads-init.js' && status === 200), 'the frame did not load ads-init.js (its policy refused the app host?)');
  ok("RichAds' script is asked for by the frame only; the app's policy does not admit it");
  console.log(`ads-e2e: ${passed} passed, 0 failed`);
} catch (e) {
  console.error(`ads-e2e: FAIL ${e.message}`);
  console.log(`ads-e2e: ${passed} passed, 1 failed`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
