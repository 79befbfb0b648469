#!/usr/bin/env node
// Browser story of issues 16 and 17 against the real stack (API, Redis,
// Centrifugo; the bot runs in the Go test against the fake Bot API and is
// checked there): Alice (en, light) and Bob (ru, dark) pick interests; see
// who is searching and the usual wait on the filters and waiting screens;
// each is offered a wider filter after a short wait (?widen_after_s) and
// takes it, ends that chat and is asked "How was it?"; then they meet, see
// their shared interests, offer, withdraw, put off and complete a contact
// exchange; end the chat; and, from "Recent chats", one wishes to talk again
// (the other sees nothing of it) until both do and a new chat opens for
// both. Nina (en) and Oleg (ru) have no Telegram username and are told how
// to set one. Tina (en, 16) and Yura (ru, 17) see the rules of minors mode.
// Each state is saved as test-results/screenshots/<shot>-<lang>-<theme>.png
// in both themes.
//
//   BASE_URL             the API serving miniapp/dist (and proxying /connection/websocket)
//   INITDATA_ALICE/_BOB  f/25 en and m/27 ru, onboarded, with a public username
//   INITDATA_NINA/_OLEG  f/30 en and m/32 ru, onboarded, without a username
//   INITDATA_TINA/_YURA  f/16 en and m/17 ru, onboarded
//   INITDATA_SAMS        JSON list: five men of 40, searching women 18–39 (Alice's wider filter finds them)
//   INITDATA_FAYS        JSON list: three women of 40, searching men 18–35 (Bob's wider filter finds them)
//   WIDEN_AFTER_S        the app's threshold before it suggests a wider filter (?widen_after_s)
//   SCREENSHOT_DIR       where screenshots go (default test-results/screenshots)
//   CHROMIUM             browser binary (default /usr/bin/chromium)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert, log, messageTexts, send, sleep, startHarness, tg, tid, WAIT, waitFor, waitForMessage } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const need = ['BASE_URL', 'INITDATA_ALICE', 'INITDATA_BOB', 'INITDATA_NINA', 'INITDATA_OLEG', 'INITDATA_TINA', 'INITDATA_YURA', 'INITDATA_SAMS', 'INITDATA_FAYS', 'WIDEN_AFTER_S'];
for (const name of need) {
  if (!env[name]) {
    console.error(`e2e: ${name} is not set (see the header of e2e/consent.mjs)`);
    process.exit(2);
  }
}
const baseUrl = env.BASE_URL.replace(/\/$/, '');
const screenshotDir = env.SCREENSHOT_DIR || path.join(here, '..', 'test-results', 'screenshots');
const sams = JSON.parse(env.INITDATA_SAMS);
const fays = JSON.parse(env.INITDATA_FAYS);
const widen = `?widen_after_s=${env.WIDEN_AFTER_S}`;

const h = await startHarness({ baseUrl, screenshotDir });
const { openUser, allowHttp, shots, api } = h;

const steps = [];
const step = (name, fn) => steps.push({ name, fn });
let A;
let B;
let roomAB = null;

const text = async (page, id) => (await tid(page, id).textContent({ timeout: WAIT }))?.trim() ?? '';
const waitText = (user, id, want) =>
  waitFor(`${user.label}'s ${id} says ${JSON.stringify(want)}`, async () => (await tid(user.page, id).textContent().catch(() => null))?.trim() === want).catch(
    async (e) => {
      throw new Error(`${e.message}; it says ${JSON.stringify(await tid(user.page, id).textContent().catch(() => null))}`);
    },
  );
const menuItems = async (user) => {
  await tid(user.page, 'chat-menu').click();
  const items = (await user.page.getByRole('menuitem').allTextContents()).map((s) => s.trim());
  await user.page.locator('.backdrop').click();
  return items;
};
const pick = async (user, item) => {
  await tid(user.page, 'chat-menu').click();
  await user.page.getByRole('menuitem', { name: item }).click();
};
const bannerView = (user) => tid(user.page, 'reveal-banner').getAttribute('data-view', { timeout: 2000 }).catch(() => null);
const backToFilters = async (user) => {
  await user.page.evaluate(() => window.__tg.pressBack());
  await tid(user.page, 'filter-screen').waitFor({ timeout: WAIT });
};

// ---------- interests (issue 17) ----------

step('Alice (en, light) and Bob (ru, dark) pick interests in the profile editor: at most five, saved with PUT /api/me', async () => {
  A = await openUser('Alice', env.INITDATA_ALICE, { lang: 'en', theme: 'light', query: widen });
  B = await openUser('Bob', env.INITDATA_BOB, { lang: 'ru', theme: 'dark', query: widen });
  for (const [u, picks, title] of [
    [A, ['music', 'films', 'games', 'sport', 'travel'], 'Edit profile'],
    [B, ['films', 'games', 'books'], 'Изменить профиль'],
  ]) {
    await tid(u.page, 'filter-screen').waitFor({ timeout: WAIT });
    await tid(u.page, 'edit-profile').click();
    await u.page.getByRole('heading', { name: title }).waitFor({ timeout: WAIT });
    for (const name of picks) await tid(u.page, `interest-${name}`).click();
    if (picks.length === 5) {
      assert(await tid(u.page, 'interest-books').isDisabled(), `${u.label}: a sixth interest can be picked`);
      await tid(u.page, 'interest-sport').click();
      await tid(u.page, 'interest-travel').click();
      assert(!(await tid(u.page, 'interest-books').isDisabled()), `${u.label}: unpicking did not free a place`);
    }
    const pressed = await u.page.locator('[data-testid^=interest-][aria-pressed=true]').evaluateAll((els) => els.map((e) => e.dataset.testid));
    log(`${u.label} picked ${pressed}`);
    await shots(u, 'profile-interests');
    const saved = u.page.waitForResponse((r) => r.url().endsWith('/api/me') && r.request().method() === 'PUT');
    await tid(u.page, 'profile-save').click();
    const body = JSON.parse((await saved).request().postData());
    await tid(u.page, 'filter-screen').waitFor({ timeout: WAIT });
    const want = picks.length === 5 ? ['music', 'films', 'games'] : picks;
    assert(JSON.stringify([...body.interests].sort()) === JSON.stringify([...want].sort()), `${u.label}: PUT /api/me sent interests ${JSON.stringify(body.interests)}`);
  }
});

// ---------- the open queue and widening (issue 17) ----------

step('the filters screen counts who fits as the filter changes: a number or "fewer than 3", with the usual wait when known', async () => {
  await waitText(A, 'queue-fit', '5 searching now fit you · usually under a minute');
  await shots(A, 'filter-queue');
  await tid(A.page, 'filter-gender-male').click();
  await tid(A.page, 'filter-age-from').fill('25');
  await tid(A.page, 'filter-age-to').fill('30');
  await waitText(A, 'queue-fit', 'Fewer than 3 searching now fit you · usually under a minute');
  const asked = A.requests.filter((r) => r.path === '/api/queue').map((r) => r.query);
  assert(asked.every((q) => !q.includes('age_to=3&') && !q.endsWith('age_to=3')), `A asked the queue for a half-typed filter: ${asked}`);
  await shots(A, 'filter-queue-few');
  // Bob: three women searching accept him; nobody like him was matched lately (no wait to tell).
  await waitText(B, 'queue-fit', 'Сейчас ищут и подходят вам: 3');
  await shots(B, 'filter-queue');
});

step('Alice waits (men 25–30): the usual wait, then one wider filter with its count; one tap searches with it and finds Sam', async () => {
  await tid(A.page, 'find-partner').click();
  await tid(A.page, 'search-screen').waitFor({ timeout: WAIT });
  await waitText(A, 'search-wait', 'Usually under a minute');
  await shots(A, 'search-wait');
  await tid(A.page, 'widen').waitFor({ timeout: WAIT });
  assert((await text(A.page, 'widen-apply')) === 'Widen to 18–40: 5 searching', `A: the suggestion says ${await text(A.page, 'widen-apply')}`);
  const asked = A.requests.filter((r) => r.path === '/api/queue' && r.query.includes('suggest=1'));
  assert(asked.length >= 1, 'A: the suggestion came without GET /api/queue?…&suggest=1');
  await shots(A, 'search-widen');
  const posted = A.page.waitForResponse((r) => r.url().endsWith('/api/search') && r.request().method() === 'POST');
  await tid(A.page, 'widen-apply').click();
  const res = await posted;
  const body = JSON.parse(res.request().postData());
  assert(JSON.stringify(body) === '{"gender":"male","age_from":18,"age_to":40}', `A searched again with ${JSON.stringify(body)}`);
  const cancelled = A.requests.findIndex((r) => r.method === 'DELETE' && r.path === '/api/search');
  assert(cancelled >= 0, 'A: the waiting search was not cancelled first');
  await tid(A.page, 'chat-screen').waitFor({ timeout: WAIT });
  const name = await text(A.page, 'partner-name');
  assert(/^Sam\d$/.test(name), `A: matched with ${name}, want one of the Sams`);
});

step('Alice leaves the chat with Sam: "How was it?" 👍 / 👎, skippable, private; her answer is sent once', async () => {
  await pick(A, 'Leave chat');
  await tid(A.page, 'rating').waitFor({ timeout: WAIT });
  assert((await A.page.getByText('Your partner never sees this.').count()) === 1, 'A: the rating does not say it is private');
  await shots(A, 'rating');
  const rated = A.page.waitForResponse((r) => r.url().endsWith('/rating'));
  await tid(A.page, 'rate-up').click();
  const r = await rated;
  assert(r.status() === 204 && r.request().postData() === '{"value":"up"}', `A: POST /rating ${r.status()} ${r.request().postData()}`);
  await tid(A.page, 'rating-thanks').waitFor({ timeout: WAIT });
  await shots(A, 'rating-thanks');
  await tid(A.page, 'rating-thanks').waitFor({ state: 'detached', timeout: WAIT });
  assert((await tid(A.page, 'rating').count()) === 0, 'A: asked again after answering');
  // Reopened (a reload keeps the ended room on screen): not asked again.
  await A.page.reload();
  await tid(A.page, 'chat-ended').waitFor({ timeout: WAIT });
  await sleep(300);
  assert((await tid(A.page, 'rating').count()) === 0, 'A: asked about the same room twice');
  await backToFilters(A);
  assert((await tid(A.page, 'filter-age-to').inputValue()) === '40', 'A: the wider filter was not remembered');
});

step('Bob waits (women 25–30): no usual wait known, the wider filter in Russian; he takes it, meets Fay, leaves and skips the question', async () => {
  await tid(B.page, 'filter-gender-female').click();
  await tid(B.page, 'filter-age-from').fill('25');
  await tid(B.page, 'filter-age-to').fill('30');
  await tid(B.page, 'find-partner').click();
  await tid(B.page, 'search-screen').waitFor({ timeout: WAIT });
  await tid(B.page, 'widen').waitFor({ timeout: WAIT });
  assert((await tid(B.page, 'search-wait').count()) === 0, 'B: a wait shown though none is known');
  assert((await text(B.page, 'widen-apply')) === 'Расширить до 18–40: ищут 3', `B: the suggestion says ${await text(B.page, 'widen-apply')}`);
  await shots(B, 'search-widen');
  await tid(B.page, 'widen-apply').click();
  await tid(B.page, 'chat-screen').waitFor({ timeout: WAIT });
  assert(/^Fay\d$/.test(await text(B.page, 'partner-name')), 'B: not matched with a Fay');
  await pick(B, 'Выйти из чата');
  await tid(B.page, 'rating').waitFor({ timeout: WAIT });
  assert((await B.page.getByText('Собеседник этого не увидит.').count()) === 1, 'B: the rating does not say it is private');
  await shots(B, 'rating');
  await tid(B.page, 'rate-skip').click();
  await tid(B.page, 'rating').waitFor({ state: 'detached', timeout: WAIT });
  assert(!B.requests.some((r) => r.path.endsWith('/rating')), 'B: a skipped rating was sent');
  await backToFilters(B);
  // The others stop searching: from here Alice and Bob only meet each other.
  for (const d of [...sams, ...fays]) {
    const r = await api(d, 'DELETE', '/api/search');
    assert(r.status === 204 || r.status === 409, `cancelling a seeded search: ${r.status}`);
  }
});

// ---------- shared interests and the contact exchange (issues 16, 17) ----------

step('Bob waits (the usual wait in Russian) and Alice finds him: both see the interests they share', async () => {
  await tid(B.page, 'find-partner').click();
  await waitText(B, 'search-wait', 'Обычно меньше минуты');
  await shots(B, 'search-wait');
  const matched = A.page.waitForResponse((r) => r.url().endsWith('/api/search') && r.request().method() === 'POST');
  await tid(A.page, 'find-partner').click();
  const m = await (await matched).json();
  assert(m.state === 'matched', `A: POST /api/search answered ${JSON.stringify(m)}`);
  roomAB = m.room.id;
  assert(JSON.stringify([...m.room.shared_interests].sort()) === '["films","games"]', `the room's shared interests: ${JSON.stringify(m.room.shared_interests)}`);
  for (const [u, name, want] of [
    [A, 'Bob', 'You both like: Films, Games'],
    [B, 'Alice', 'Вам обоим нравится: Кино, Игры'],
  ]) {
    await u.page.getByRole('heading', { name }).waitFor({ timeout: WAIT });
    const shown = await text(u.page, 'shared-interests');
    assert(shown === want, `${u.label}: shared interests say ${JSON.stringify(shown)}`);
    await shots(u, 'chat-shared');
  }
  await send(A, 'Hi Bob');
  await waitForMessage(B, 'Hi Bob');
  await send(B, 'Привет!');
  await waitForMessage(A, 'Привет!');
});

step('Alice offers to exchange contacts: she waits (and may take it back), Bob sees the offer with Accept / Not now', async () => {
  await pick(A, 'Share my Telegram');
  await waitFor('A waits for Bob', async () => (await bannerView(A)) === 'waiting');
  assert((await text(A.page, 'reveal-waiting')) === 'Waiting for your partner', 'A: no "Waiting for your partner"');
  await waitFor('B sees the offer', async () => (await bannerView(B)) === 'invited');
  assert((await B.page.getByText('Собеседник хочет обменяться контактами').count()) === 1, 'B: the offer is not in Russian');
  await shots(A, 'reveal-waiting');
  await shots(B, 'reveal-invited');
  const page = await B.page.locator('body').innerText();
  assert(!page.includes('@') && !page.includes('t.me') && !page.includes('alice_'), 'B: something of Alice’s account shows');
});

step('the other way round: Alice takes hers back, Bob offers (waiting, in Russian), Alice sees his offer (in English); he takes it back', async () => {
  await tid(A.page, 'reveal-withdraw').click();
  await waitFor('B’s banner goes', async () => (await tid(B.page, 'reveal-banner').count()) === 0);
  await pick(B, 'Поделиться моим Telegram');
  await waitFor('B waits for Alice', async () => (await bannerView(B)) === 'waiting');
  assert((await text(B.page, 'reveal-waiting')) === 'Ждём ответа собеседника', 'B: the wait is not in Russian');
  await waitFor('A sees Bob’s offer', async () => (await bannerView(A)) === 'invited');
  assert((await A.page.getByText('Your partner would like to exchange contacts').count()) === 1, 'A: the offer is not in English');
  await shots(B, 'reveal-waiting');
  await shots(A, 'reveal-invited');
  await tid(B.page, 'reveal-withdraw').click();
  await waitFor('A’s banner goes', async () => (await tid(A.page, 'reveal-banner').count()) === 0);
  await pick(A, 'Share my Telegram');
  await waitFor('B sees Alice’s offer again', async () => (await bannerView(B)) === 'invited');
});

step('Alice takes it back: Bob’s banner goes; she offers again, Bob says "Not now" (the menu still accepts), she takes it back and offers once more', async () => {
  await tid(A.page, 'reveal-withdraw').click();
  await waitFor('B’s banner goes', async () => (await tid(B.page, 'reveal-banner').count()) === 0);
  // Alice's own banner goes when her DELETE is answered, which may come a
  // moment after Bob's app heard of it on the channel.
  await waitFor('A no longer waits after taking it back', async () => (await tid(A.page, 'reveal-banner').count()) === 0);
  await pick(A, 'Share my Telegram');
  await waitFor('B sees the offer again', async () => (await bannerView(B)) === 'invited');
  await tid(B.page, 'reveal-not-now').click();
  await waitFor('B’s banner goes after Not now', async () => (await tid(B.page, 'reveal-banner').count()) === 0);
  assert((await menuItems(B)).includes('Принять обмен контактами'), 'B: after Not now the menu does not offer to accept');
  assert((await bannerView(A)) === 'waiting', 'A learned of the Not now');
  await tid(A.page, 'reveal-withdraw').click();
  await waitFor('B’s menu offers its own share again', async () => (await menuItems(B)).includes('Поделиться моим Telegram'));
  await pick(A, 'Share my Telegram');
  await waitFor('a new offer shows the banner again', async () => (await bannerView(B)) === 'invited');
});

step('Bob accepts: both see "Contacts exchanged — see the bot"; nothing of either account reached the app', async () => {
  const accepted = B.page.waitForResponse((r) => r.url().endsWith(`/api/rooms/${roomAB}/reveal`) && r.request().method() === 'POST');
  await tid(B.page, 'reveal-accept').click();
  assert((await accepted).status() === 204, 'B: POST /reveal did not answer 204');
  for (const [u, want] of [
    [A, 'Contacts exchanged — see the bot'],
    [B, 'Контакты отправлены — смотрите в боте'],
  ]) {
    await waitFor(`${u.label} sees it done`, async () => (await bannerView(u)) === 'done');
    assert((await text(u.page, 'reveal-done')) === `✓${want}`, `${u.label}: done says ${await text(u.page, 'reveal-done')}`);
    const items = await menuItems(u);
    assert(!items.some((i) => /Telegram|контакт/i.test(i)), `${u.label}: the menu still offers an exchange: ${items}`);
    const body = await u.page.locator('body').innerText();
    assert(!/alice_|bob_|t\.me/.test(body), `${u.label}: a username shows in the app`);
    await shots(u, 'reveal-done');
  }
  const status = await api(env.INITDATA_ALICE, 'GET', `/api/rooms/${roomAB}`);
  assert(JSON.stringify(status.json.reveal) === '{"me":true,"partner":true,"done":true}', `room status reveal ${JSON.stringify(status.json.reveal)}`);
});

// ---------- ending, rating, recent chats and meeting again (issues 16, 17) ----------

step('Alice leaves; Bob sees "Partner left" and the question, and answers; the exchange stays done on the ended chat', async () => {
  await send(A, 'Bye for now');
  await waitForMessage(B, 'Bye for now');
  await pick(A, 'Leave chat');
  await tid(A.page, 'rating').waitFor({ timeout: WAIT });
  await tid(A.page, 'rate-skip').click();
  await B.page.getByText('Собеседник вышел').waitFor({ timeout: WAIT });
  await tid(B.page, 'rating').waitFor({ timeout: WAIT });
  const rated = B.page.waitForResponse((r) => r.url().endsWith('/rating'));
  await tid(B.page, 'rate-down').click();
  assert((await rated).status() === 204, 'B: POST /rating did not answer 204');
  await tid(B.page, 'rating-thanks').waitFor({ timeout: WAIT });
  await shots(B, 'rating-thanks');
  assert((await bannerView(B)) === 'done', 'B: the ended chat no longer says the contacts were exchanged');
});

step('Recent chats: Alice sees Bob (when it ended, the last line) and wishes to talk again; Bob sees nothing of it', async () => {
  await backToFilters(A);
  await tid(A.page, 'open-recent').click();
  await tid(A.page, 'recent-screen').waitFor({ timeout: WAIT });
  const row = A.page.locator(`[data-testid=recent-room][data-room="${roomAB}"]`);
  await row.waitFor({ timeout: WAIT });
  assert((await row.getByTestId('recent-name').textContent()) === 'Bob', 'A: the recent row is not Bob');
  assert((await row.getByTestId('recent-info').textContent()) === 'male, 27', 'A: the recent row does not say male, 27');
  assert((await row.getByTestId('recent-last').textContent()) === 'You: Bye for now', `A: the last line says ${await row.getByTestId('recent-last').textContent()}`);
  assert(/^(just now|\d+ minutes? ago)$/.test((await row.getByTestId('recent-when').textContent()) ?? ''), 'A: when it ended is not relative');
  assert((await A.page.getByTestId('recent-room').count()) === 2, 'A: the chat with Sam is not in the list');
  assert((await tg(A)).backVisible, 'A: no Telegram Back button on Recent chats');
  await shots(A, 'recent');
  await row.getByTestId('again-toggle').click();
  await row.getByTestId('again-asked').waitFor({ timeout: WAIT });
  assert((await row.getByTestId('again-asked').textContent())?.trim() === 'You asked to talk again — if they want it too, the chat opens.', 'A: the wish does not say what happens');
  await shots(A, 'recent-asked');

  await backToFilters(B);
  await tid(B.page, 'open-recent').click();
  const brow = B.page.locator(`[data-testid=recent-room][data-room="${roomAB}"]`);
  await brow.waitFor({ timeout: WAIT });
  assert((await brow.getByTestId('recent-last').textContent()) === 'Bye for now', 'B: the last line');
  assert((await brow.getAttribute('data-again')) === 'false' && (await brow.getByTestId('again-asked').count()) === 0, 'B: shows a wish that is not his');
  assert((await brow.getByTestId('again-toggle').textContent())?.trim() === 'Хочу поговорить снова', 'B: the button is not in Russian');
  const recent = await api(env.INITDATA_BOB, 'GET', '/api/rooms/recent');
  assert(recent.json.rooms.every((r) => JSON.stringify(Object.keys(r.again)) === '["me"]' && r.again.me === false), `GET /api/rooms/recent tells Bob ${JSON.stringify(recent.json)}`);
  await shots(B, 'recent');
  // Alice takes it back and wishes again: still nothing for Bob.
  await row.getByTestId('again-toggle').click();
  await row.getByTestId('again-asked').waitFor({ state: 'detached', timeout: WAIT });
  await row.getByTestId('again-toggle').click();
  await row.getByTestId('again-asked').waitFor({ timeout: WAIT });
  assert((await tid(B.page, 'recent-screen').count()) === 1 && (await tid(B.page, 'chat-screen').count()) === 0, 'B: something opened on a one-sided wish');
});

step('Bob wishes it too: a new chat opens for both, from the Recent chats screen', async () => {
  const brow = B.page.locator(`[data-testid=recent-room][data-room="${roomAB}"]`);
  await brow.getByTestId('again-toggle').click();
  for (const [u, name] of [
    [A, 'Bob'],
    [B, 'Alice'],
  ]) {
    await tid(u.page, 'chat-screen').waitFor({ timeout: WAIT });
    await u.page.locator('[data-testid=chat-screen][data-closed=false]').waitFor({ timeout: WAIT });
    await u.page.getByRole('heading', { name }).waitFor({ timeout: WAIT });
    assert((await messageTexts(u)).length === 0, `${u.label}: the new chat shows old messages`);
  }
  const st = await api(env.INITDATA_ALICE, 'GET', '/api/search');
  assert(st.json.state === 'matched' && st.json.room.id !== roomAB, `A: GET /api/search says ${JSON.stringify(st.json)}`);
  await send(B, 'Снова привет');
  await waitForMessage(A, 'Снова привет');
  for (const u of [A, B]) await shots(u, 'again-chat');
});

// ---------- without a username (issue 16) ----------

step('Nina (en) and Oleg (ru) have no Telegram username: sharing says how to set one, before anything is agreed', async () => {
  const nf = { gender: 'male', age_from: 30, age_to: 35 };
  const of = { gender: 'female', age_from: 25, age_to: 35 };
  assert((await api(env.INITDATA_NINA, 'POST', '/api/search', nf)).json?.state === 'waiting', 'Nina: the search did not wait');
  assert((await api(env.INITDATA_OLEG, 'POST', '/api/search', of)).json?.state === 'matched', 'Oleg: the search did not match Nina');
  const N = await openUser('Nina', env.INITDATA_NINA, { lang: 'en', theme: 'light' });
  const O = await openUser('Oleg', env.INITDATA_OLEG, { lang: 'ru', theme: 'dark' });
  for (const [u, item, want] of [
    [N, 'Share my Telegram', 'Settings → Edit profile → Username'],
    [O, 'Поделиться моим Telegram', 'Настройки → Изменить профиль → Имя пользователя'],
  ]) {
    await tid(u.page, 'chat-screen').waitFor({ timeout: WAIT });
    allowHttp(u, 409, /\/reveal$/);
    const answer = u.page.waitForResponse((r) => r.url().endsWith('/reveal'));
    await pick(u, item);
    const res = await answer;
    assert(res.status() === 409 && (await res.json()).error.code === 'username_required', `${u.label}: POST /reveal answered ${res.status()}`);
    const notice = tid(u.page, 'reveal-notice');
    await notice.waitFor({ timeout: WAIT });
    const said = (await notice.textContent()) ?? '';
    assert(said.includes(want) && (said.includes('only if they agree too') || said.includes('только если тоже согласится')), `${u.label}: the notice says ${JSON.stringify(said)}`);
    await shots(u, 'reveal-username');
    await tid(u.page, 'reveal-notice-ok').click();
    await tid(u.page, 'reveal-notice').waitFor({ state: 'detached', timeout: WAIT });
  }
  // Nothing was agreed: neither sees an offer.
  for (const u of [N, O]) assert((await tid(u.page, 'reveal-banner').count()) === 0, `${u.label}: an offer shows after a refusal`);
});

// ---------- minors mode (issue 17) ----------

step('Tina (en, 16) and Yura (ru, 17) are told the rules of minors mode; no contact exchange; a link is refused in plain words', async () => {
  const T = await openUser('Tina', env.INITDATA_TINA, { lang: 'en', theme: 'light' });
  const Y = await openUser('Yura', env.INITDATA_YURA, { lang: 'ru', theme: 'dark' });
  for (const [u, want] of [
    [T, 'Under 18: no links, photos, voice messages, contact exchange or meeting again; you can send one message a second.'],
    [Y, 'До 18 лет: без ссылок, фото, голосовых, обмена контактами и повторных встреч; не чаще одного сообщения в секунду.'],
  ]) {
    await tid(u.page, 'filter-screen').waitFor({ timeout: WAIT });
    assert((await text(u.page, 'teen-rules')) === want, `${u.label}: the filters screen says ${await text(u.page, 'teen-rules')}`);
    await shots(u, 'teen-filters');
  }
  await tid(T.page, 'find-partner').click();
  await tid(T.page, 'search-screen').waitFor({ timeout: WAIT });
  await tid(Y.page, 'find-partner').click();
  for (const [u, name] of [
    [T, 'Yura'],
    [Y, 'Tina'],
  ]) {
    await u.page.getByRole('heading', { name }).waitFor({ timeout: WAIT });
    await tid(u.page, 'minors-rules').waitFor({ timeout: WAIT });
    const items = await menuItems(u);
    assert(!items.some((i) => /Telegram|контакт/i.test(i)), `${u.label} (a minor) is offered a contact exchange: ${items}`);
  }
  allowHttp(T, 403, /\/messages$/);
  await send(T, 'see https://example.com');
  await waitText(T, 'link-hint', 'Links can’t be sent in chats of under-18s.');
  assert((await tid(T.page, 'composer-input').inputValue()) === 'see https://example.com', 'T: the refused link is not back in the composer');
  assert(!(await messageTexts(Y)).includes('see https://example.com'), 'Y received the link');
  await shots(T, 'teen-chat');
  await shots(Y, 'teen-chat');
  // Ended, the chat is in Tina's recent chats, without "talk again" (minors never meet again).
  await pick(T, 'Leave chat');
  await tid(T.page, 'rate-skip').click();
  await backToFilters(T);
  await tid(T.page, 'open-recent').click();
  await tid(T.page, 'recent-room').waitFor({ timeout: WAIT });
  assert((await tid(T.page, 'again-toggle').count()) === 0, 'T (a minor) is offered to talk again');
  await T.page.getByText('Meeting again isn’t available to users under 18.').waitFor({ timeout: WAIT });
  await shots(T, 'teen-recent');
});

step('no console errors, dialogs or third-party requests', async () => {
  h.noConsoleErrors();
});

await h.run(steps, { watchdogMs: 200_000 });
