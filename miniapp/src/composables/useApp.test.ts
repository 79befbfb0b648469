import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import { ApiError } from '../api/errors';
import { createI18n } from '../i18n';
import type { TelegramBridge } from '../telegram/bridge';
import { emptyHistory, fakeApi, FakeRealtime, flush, roomInfo, testRoom, type FakeApi } from '../testing/fakes';
import { createRoomMemory, memoryStore, ROOM_MEMORY_KEY } from './roomMemory';
import { FILTERS_KEY, GOOD_CHAT_MESSAGES, useApp } from './useApp';

function fakeTelegram(initData = 'signed') {
  let back: (() => void) | null = null;
  const kept = new Map<string, string>();
  const tg = {
    inTelegram: true,
    dev: false,
    nativeBack: true,
    initData,
    languageCode: 'en',
    colorScheme: () => 'light' as const,
    themeParams: () => ({}),
    ready: vi.fn(),
    onThemeChanged: () => () => {},
    setBackButton: vi.fn((cb: (() => void) | null) => (back = cb)),
    hapticSuccess: vi.fn(),
    hapticLight: vi.fn(),
    hapticSelection: vi.fn(),
    setClosingConfirmation: vi.fn(),
    setVerticalSwipes: vi.fn(),
    confirm: vi.fn((_: string) => Promise.resolve(true)),
    openLink: vi.fn(),
    close: vi.fn(),
    storage: {
      get: vi.fn(async (k: string) => kept.get(k) ?? null),
      set: vi.fn(async (k: string, v: string) => void kept.set(k, v)),
    },
    offerHomeScreen: vi.fn(() => Promise.resolve()),
  } satisfies TelegramBridge;
  return { tg, kept, pressBack: () => back?.() };
}

const alice = { onboarded: true as const, nickname: 'Alice', gender: 'female' as const, age: 25 };
const t = createI18n('en').t;

describe('useApp', () => {
  let api: FakeApi;
  let rt: FakeRealtime;
  let store: ReturnType<typeof memoryStore>;
  beforeEach(() => {
    api = fakeApi();
    rt = new FakeRealtime();
    store = memoryStore();
    api.getQueue.mockResolvedValue({ online: '<3', searching_fit: '<3', expected_wait_s: null });
    api.getConfig.mockResolvedValue({ centrifugo_ws_url: '/connection/websocket' });
    api.getMe.mockResolvedValue(alice);
    api.getSearch.mockResolvedValue({ state: 'idle' });
  });
  afterEach(() => vi.useRealTimers());
  const make = (tg: TelegramBridge, now?: () => number) =>
    useApp({ api, telegram: tg, realtime: () => rt, t, memory: createRoomMemory(store), now });
  /** A running chat with testRoom, opened at launch. */
  async function inChat(tg = fakeTelegram().tg) {
    api.getSearch.mockResolvedValue({ state: 'matched', room: testRoom });
    const app = make(tg);
    await app.boot();
    await flush();
    return app;
  }

  it('outside Telegram it asks to open the bot and calls nothing', async () => {
    const app = make(fakeTelegram('').tg);
    await app.boot();
    expect(app.screen.value).toBe('outside');
    expect(api.getConfig).not.toHaveBeenCalled();
  });

  it('onboards a new user, then connects and shows filters with adult defaults', async () => {
    api.getMe.mockResolvedValue({ onboarded: false });
    api.putMe.mockResolvedValue(alice);
    const app = make(fakeTelegram().tg);
    await app.boot();
    expect(app.screen.value).toBe('onboarding');
    expect(rt.state).toBe('disconnected');
    await app.saveProfile({ nickname: 'Alice', gender: 'female', age: 25 });
    expect(app.screen.value).toBe('filters');
    expect(rt.state).toBe('connected');
    expect(app.draft.value).toEqual({ gender: 'any', age_from: 18, age_to: 99 });
  });

  it('minors get 16–17 by default', async () => {
    api.getMe.mockResolvedValue({ ...alice, age: 16 });
    const app = make(fakeTelegram().tg);
    await app.boot();
    expect(app.draft.value).toEqual({ gender: 'any', age_from: 16, age_to: 17 });
  });

  it('resumes a running chat after a reload: whole conversation, then live from its position', async () => {
    api.getMessages.mockResolvedValueOnce({
      messages: [{ id: '1', from: 'm-partner', text: 'earlier', ts: 1 }],
      has_more: false,
      stream: { offset: 3, epoch: 'x' },
    });
    const app = await inChat();
    expect(app.screen.value).toBe('chat');
    expect(app.chat.value?.mode).toBe('live');
    expect(app.chat.value?.items.value).toMatchObject([{ kind: 'message', text: 'earlier' }]);
    expect(rt.subscribes).toEqual([{ channel: testRoom.channel, opts: { since: { offset: 3, epoch: 'x' } } }]);
    expect(store.data.get(ROOM_MEMORY_KEY)).toBe('r1');
  });

  it('takes how long a search lasts from the config, 10 minutes from an older API', async () => {
    api.getConfig.mockResolvedValue({ centrifugo_ws_url: '/c', search_ttl_s: 300 });
    const app = make(fakeTelegram().tg);
    expect(app.searchTtlS.value).toBe(600);
    await app.boot();
    expect(app.searchTtlS.value).toBe(300);

    api.getConfig.mockResolvedValue({ centrifugo_ws_url: '/c' });
    const older = make(fakeTelegram().tg);
    await older.boot();
    expect(older.searchTtlS.value).toBe(600);
  });

  it('uses the privacy URL of the config and opens it through Telegram', async () => {
    api.getConfig.mockResolvedValue({ centrifugo_ws_url: '/c', privacy_url: 'https://example.org/p' });
    const { tg } = fakeTelegram();
    const app = make(tg);
    expect(app.privacyUrl.value).toBe('/privacy');
    await app.boot();
    expect(app.privacyUrl.value).toBe('https://example.org/p');
    app.openPrivacy();
    expect(tg.openLink).toHaveBeenCalledWith('https://example.org/p');
  });

  it('search → match → chat → Next searches again with the same filters', async () => {
    const { tg, pressBack } = fakeTelegram();
    const app = make(tg);
    await app.boot();
    api.startSearch.mockResolvedValue({ state: 'waiting' });
    app.draft.value = { gender: 'male', age_from: 20, age_to: 30 };
    await app.find();
    await nextTick();
    expect(app.screen.value).toBe('searching');
    expect(tg.setBackButton).toHaveBeenLastCalledWith(expect.any(Function));

    rt.push({ type: 'matched', room: testRoom });
    await flush();
    expect(app.screen.value).toBe('chat');
    expect(tg.hapticSuccess).toHaveBeenCalledOnce();
    expect(tg.setClosingConfirmation).toHaveBeenLastCalledWith(true);

    rt.room(testRoom.channel).onEvent({ type: 'message', id: '1', from: 'p', text: 'hi', ts: 1 });
    expect(tg.hapticLight).toHaveBeenCalledOnce();

    tg.confirm.mockResolvedValueOnce(false);
    await app.next();
    expect(api.leaveRoom).not.toHaveBeenCalled(); // Next asks first, like Leave
    await app.next();
    expect(tg.confirm).toHaveBeenLastCalledWith(t('nextConfirm'));
    expect(api.leaveRoom).toHaveBeenCalledWith('r1');
    expect(api.startSearch).toHaveBeenLastCalledWith({ gender: 'male', age_from: 20, age_to: 30 });
    expect(api.leaveRoom.mock.invocationCallOrder[0]).toBeLessThan(api.startSearch.mock.invocationCallOrder[1]!);
    await nextTick();
    expect(app.screen.value).toBe('searching');
    expect(tg.setClosingConfirmation).toHaveBeenLastCalledWith(false);
    expect(store.data.has(ROOM_MEMORY_KEY)).toBe(false);

    api.cancelSearch.mockResolvedValue(undefined);
    pressBack();
    await flush();
    expect(api.cancelSearch).toHaveBeenCalledOnce();
    await nextTick();
    expect(app.screen.value).toBe('filters');
    expect(tg.setBackButton).toHaveBeenLastCalledWith(null);
  });

  it('BackButton in a chat asks before leaving', async () => {
    const { tg, pressBack } = fakeTelegram();
    const app = await inChat(tg);
    await nextTick();
    tg.confirm.mockResolvedValueOnce(false);
    pressBack();
    await flush();
    expect(api.leaveRoom).not.toHaveBeenCalled();
    pressBack();
    await flush();
    expect(tg.confirm).toHaveBeenCalledTimes(2);
    expect(api.leaveRoom).toHaveBeenCalledOnce();
    expect(app.screen.value).toBe('filters');
    expect(store.data.get(ROOM_MEMORY_KEY)).toBe('r1'); // the leaver can reopen the finished conversation
  });

  it('Leave asks, then keeps the finished conversation on screen to read', async () => {
    api.getMessages.mockResolvedValueOnce({
      messages: [{ id: '1', from: 'm-partner', text: 'hi', ts: 1 }],
      has_more: false,
      stream: { offset: 1, epoch: 'x' },
    });
    const { tg } = fakeTelegram();
    const app = await inChat(tg);
    await app.leave();
    expect(tg.confirm).toHaveBeenLastCalledWith(t('leaveConfirm'));
    expect(api.leaveRoom).toHaveBeenCalledWith('r1');
    expect(app.screen.value).toBe('chat');
    expect(app.chat.value?.closed.value).toBe(true);
    expect(app.chat.value?.items.value.map((i) => i.text)).toEqual(['hi', 'youLeft']);
    expect(store.data.get(ROOM_MEMORY_KEY)).toBe('r1');
    await nextTick();
    expect(tg.setClosingConfirmation).toHaveBeenLastCalledWith(false);
  });

  it('disables vertical swipes in a chat only', async () => {
    const { tg } = fakeTelegram();
    const app = await inChat(tg);
    await nextTick();
    expect(tg.setVerticalSwipes).toHaveBeenLastCalledWith(false);
    await app.backToFilters();
    await nextTick();
    expect(tg.setVerticalSwipes).toHaveBeenLastCalledWith(true);
  });

  it('remembers the filters of the last search for the next launch', async () => {
    const { tg, kept } = fakeTelegram();
    api.startSearch.mockResolvedValue({ state: 'waiting' });
    const app = make(tg);
    await app.boot();
    app.draft.value = { gender: 'female', age_from: 22, age_to: 33 };
    await app.find();
    expect(JSON.parse(kept.get(FILTERS_KEY)!)).toEqual({ gender: 'female', age_from: 22, age_to: 33 });

    const again = make(tg);
    await again.boot();
    expect(again.draft.value).toEqual({ gender: 'female', age_from: 22, age_to: 33 });
    kept.set(FILTERS_KEY, JSON.stringify({ gender: 'any', age_from: 16, age_to: 17 })); // not for an adult
    const third = make(tg);
    await third.boot();
    expect(third.draft.value).toEqual({ gender: 'any', age_from: 18, age_to: 99 });
  });

  it('edits the profile from the filters screen', async () => {
    api.putMe.mockResolvedValue({ ...alice, nickname: 'Ally' });
    const app = make(fakeTelegram().tg);
    await app.boot();
    app.editProfile();
    expect(app.screen.value).toBe('profile');
    app.cancelEditProfile();
    expect(app.screen.value).toBe('filters');
    app.editProfile();
    await app.saveProfile({ nickname: 'Ally', gender: 'female', age: 25 });
    expect(api.putMe).toHaveBeenCalledWith({ nickname: 'Ally', gender: 'female', age: 25 });
    expect(app.screen.value).toBe('filters');
    expect(app.profile.profile.value?.nickname).toBe('Ally');
  });

  it('a 401 shows the session-expired screen instead of retrying for ever', async () => {
    api.getMe.mockRejectedValue(new ApiError(401, 'unauthorized', 'expired'));
    const app = make(fakeTelegram().tg);
    await app.boot();
    expect(app.screen.value).toBe('expired');
    const live = await inChat();
    live.expireSession(); // what the API client's onUnauthorized does mid-session
    expect(live.screen.value).toBe('expired');
    expect(live.chat.value).toBeNull();
  });

  it('offers "add to home screen" once, after the first good chat', async () => {
    const { tg } = fakeTelegram();
    const app = await inChat(tg);
    let n = 100;
    api.sendMessage.mockImplementation(async () => ({ id: String(++n), ts: n }));
    const room = rt.room(testRoom.channel);
    for (let i = 1; i <= GOOD_CHAT_MESSAGES; i++) {
      app.chat.value!.send(`mine ${i}`);
      room.onEvent({ type: 'message', id: String(i), from: 'm-partner', text: `theirs ${i}`, ts: i });
    }
    await flush();
    room.onEvent({ type: 'left', from: 'm-partner' });
    await flush();
    expect(tg.offerHomeScreen).toHaveBeenCalledOnce();
  });

  it('shows the connection banner from realtime state', async () => {
    const app = make(fakeTelegram().tg);
    expect(app.banner.value).toBeNull(); // read before boot, as the first render does
    await app.boot();
    expect(app.banner.value).toBeNull();
    rt.setState('connecting');
    expect(app.banner.value).toBe('reconnecting');
    rt.setState('connected');
    expect(app.banner.value).toBeNull();
  });

  describe('closed rooms', () => {
    it('a partner who left leaves the room on screen, read-only, remembered across the Back button', async () => {
      const { tg, pressBack } = fakeTelegram();
      const app = await inChat(tg);
      await nextTick();
      rt.room(testRoom.channel).onEvent({ type: 'left', from: 'm-partner' });
      await nextTick();
      expect(app.screen.value).toBe('chat');
      expect(app.chat.value?.closed.value).toBe(true);
      expect(tg.setClosingConfirmation).toHaveBeenLastCalledWith(false);
      pressBack(); // no question: there is nothing to leave
      await flush();
      expect(tg.confirm).not.toHaveBeenCalled();
      expect(app.screen.value).toBe('filters');
      expect(store.data.get(ROOM_MEMORY_KEY)).toBe('r1');
    });

    it('reopening the app shows the remembered closed room read-only; Clear conversation deletes it', async () => {
      store.data.set(ROOM_MEMORY_KEY, 'r1');
      api.getRoom.mockResolvedValue(roomInfo({ state: 'closed', closed_by: 'partner', partner_online: false }));
      api.getMessages.mockResolvedValue({
        messages: [{ id: '1', from: 'm-me', text: 'bye?', ts: 1 }],
        has_more: false,
        stream: { offset: 1, epoch: 'e' },
      });
      const { tg } = fakeTelegram();
      const app = make(tg);
      await app.boot();
      await flush();
      expect(app.screen.value).toBe('chat');
      expect(app.chat.value?.mode).toBe('readonly');
      expect(app.chat.value?.closed.value).toBe(true);
      expect(app.chat.value?.items.value.map((i) => i.text)).toEqual(['bye?', 'partnerLeft']);
      expect(rt.subscribes).toHaveLength(0);

      tg.confirm.mockResolvedValueOnce(false);
      await app.clearConversation();
      expect(api.deleteRoom).not.toHaveBeenCalled();
      await app.clearConversation();
      expect(tg.confirm).toHaveBeenLastCalledWith(t('clearConfirm'));
      expect(api.deleteRoom).toHaveBeenCalledWith('r1');
      expect(app.screen.value).toBe('filters');
      expect(app.notice.value).toBe('cleared');
      expect(store.data.has(ROOM_MEMORY_KEY)).toBe(false);
    });

    it('a clear the server refused keeps the room and says so', async () => {
      store.data.set(ROOM_MEMORY_KEY, 'r1');
      api.getRoom.mockResolvedValue(roomInfo({ state: 'closed', closed_by: 'me' }));
      api.deleteRoom.mockRejectedValueOnce(new ApiError(503, 'unavailable', 'down'));
      const app = make(fakeTelegram().tg);
      await app.boot();
      await app.clearConversation();
      expect(app.screen.value).toBe('chat');
      expect(app.chatError.value?.code).toBe('unavailable');
      expect(store.data.get(ROOM_MEMORY_KEY)).toBe('r1');
    });

    it('forgets a remembered room that expired', async () => {
      store.data.set(ROOM_MEMORY_KEY, 'old');
      const app = make(fakeTelegram().tg);
      await app.boot();
      expect(app.screen.value).toBe('filters');
      expect(store.data.has(ROOM_MEMORY_KEY)).toBe(false);
    });

    it('New partner from a closed room searches again with the same filters', async () => {
      store.data.set(ROOM_MEMORY_KEY, 'r1');
      api.getRoom.mockResolvedValue(roomInfo({ state: 'closed', closed_by: 'partner' }));
      api.startSearch.mockResolvedValue({ state: 'waiting' });
      const app = make(fakeTelegram().tg);
      await app.boot();
      app.draft.value = { gender: 'female', age_from: 20, age_to: 40 };
      await app.next();
      expect(api.leaveRoom).not.toHaveBeenCalled();
      expect(api.startSearch).toHaveBeenCalledWith({ gender: 'female', age_from: 20, age_to: 40 });
      expect(app.screen.value).toBe('searching');
      expect(store.data.has(ROOM_MEMORY_KEY)).toBe(false);
    });
  });

  describe('safety', () => {
    it('report: reason and comment, then back to the filters with thanks', async () => {
      const { tg } = fakeTelegram();
      const app = await inChat(tg);
      app.openReport();
      expect(app.report.open.value).toBe(true);
      expect(app.report.valid.value).toBe(false);
      app.report.reason.value = 'spam';
      app.report.comment.value = 'sells things';
      expect(app.report.commentLength.value).toBe(12);

      await app.submitReport();
      expect(tg.confirm).not.toHaveBeenCalled(); // the sheet was the question: one confirmation per action
      expect(api.reportRoom).toHaveBeenCalledWith('r1', { reason: 'spam', comment: 'sells things' });
      expect(api.leaveRoom).not.toHaveBeenCalled();
      expect(app.report.open.value).toBe(false);
      expect(app.screen.value).toBe('filters');
      expect(app.notice.value).toBe('reported');
      expect(store.data.has(ROOM_MEMORY_KEY)).toBe(false);
    });

    it('a report the server refused stays open with an error', async () => {
      const app = await inChat();
      api.reportRoom.mockRejectedValueOnce(new ApiError(503, 'unavailable', 'down'));
      app.openReport();
      app.report.reason.value = 'abuse';
      await app.submitReport();
      expect(app.report.open.value).toBe(true);
      expect(app.report.error.value?.code).toBe('unavailable');
      expect(app.screen.value).toBe('chat');
    });

    it('a comment over 500 characters cannot be sent', async () => {
      const app = await inChat();
      app.openReport();
      app.report.reason.value = 'other';
      app.report.comment.value = '🙂'.repeat(500);
      expect(app.report.valid.value).toBe(true); // characters, not UTF-16 units
      app.report.comment.value = 'x'.repeat(501);
      expect(app.report.valid.value).toBe(false);
      await app.submitReport();
      expect(api.reportRoom).not.toHaveBeenCalled();
    });

    it('leave and block asks, leaves with block and says they will not meet again', async () => {
      const { tg } = fakeTelegram();
      const app = await inChat(tg);
      await app.leaveAndBlock();
      expect(tg.confirm).toHaveBeenLastCalledWith(t('blockConfirm'));
      expect(api.leaveRoom).toHaveBeenCalledWith('r1', { block: true });
      expect(app.screen.value).toBe('filters');
      expect(app.notice.value).toBe('blocked');
    });

    it('a restriction from GET /api/me shows at launch and stops searching', async () => {
      api.getMe.mockResolvedValue({ ...alice, restriction: { code: 'banned' } });
      store.data.set(ROOM_MEMORY_KEY, 'r1');
      const app = make(fakeTelegram().tg);
      await app.boot();
      expect(app.screen.value).toBe('filters');
      expect(app.restriction.value).toEqual({ code: 'banned' });
      await app.find();
      expect(api.startSearch).not.toHaveBeenCalled();
      expect(api.getRoom).not.toHaveBeenCalled();
    });

    it('403 suspended on search shows until when, and lifts itself then', async () => {
      vi.useFakeTimers({ now: 1_000_000 });
      api.startSearch.mockRejectedValue(
        new ApiError(403, 'suspended', 'no', { until: 1_000_000 + 60_000 }),
      );
      const app = make(fakeTelegram().tg, () => Date.now());
      await app.boot();
      await app.find();
      expect(app.restriction.value).toEqual({ code: 'suspended', until: 1_060_000 });
      expect(app.search.value?.error.value).toBeNull(); // the restriction says it, not a generic error
      vi.advanceTimersByTime(60_000);
      expect(app.restriction.value).toBeNull();
    });

    it('a restricted push ends the chat and shows the restriction', async () => {
      const app = await inChat();
      app.openReport();
      rt.push({ type: 'restricted', code: 'suspended', until: Date.now() + 3_600_000 });
      await nextTick();
      expect(app.screen.value).toBe('filters');
      expect(app.chat.value).toBeNull();
      expect(app.report.open.value).toBe(false);
      expect(app.restriction.value?.code).toBe('suspended');
      expect(rt.closed).toEqual([testRoom.channel]);
    });
  });

  describe('issues 16 and 17: recent chats, queue, widening, rating', () => {
    const again = { ...testRoom, id: 'r9', channel: 'room:r9', me: 'm-new', shared_interests: ['films'] };
    const recentBob = {
      id: 'r1',
      partner: testRoom.partner,
      closed_at: 1,
      last: { text: 'bye', from: 'partner' as const },
      again: { me: false },
    };

    it('Recent chats: the user wishes to talk again; the room both wished for opens the chat, even from there', async () => {
      api.getRecent.mockResolvedValue({ rooms: [recentBob] });
      api.getRoom.mockImplementation(async (id: string) => roomInfo({ ...(id === 'r9' ? again : {}) }));
      api.getMessages.mockResolvedValue(emptyHistory);
      const { tg, pressBack } = fakeTelegram();
      const app = make(tg);
      await app.boot();
      app.openRecent();
      await flush();
      expect(app.screen.value).toBe('recent');
      expect(app.recent.rooms.value).toEqual([recentBob]);
      expect(tg.setBackButton).toHaveBeenLastCalledWith(expect.any(Function));
      await app.recent.toggle('r1');
      expect(api.wishAgain).toHaveBeenCalledWith('r1');
      rt.push({ type: 'matched', room: again });
      await flush();
      expect(app.screen.value).toBe('chat');
      expect(app.chat.value?.room.id).toBe('r9');
      expect(app.chat.value?.mode).toBe('live');
      expect(app.chat.value?.sharedInterests.value).toEqual(['films']);
      expect(tg.hapticSuccess).toHaveBeenCalledOnce();
      // After that chat, Back goes to the filters, not to the list.
      api.leaveRoom.mockResolvedValue(undefined);
      pressBack();
      await flush();
      expect(app.screen.value).toBe('filters');
      app.openRecent();
      await nextTick();
      pressBack();
      await nextTick();
      expect(app.screen.value).toBe('filters');
    });

    it('a pushed room while an ended chat is on screen replaces it; a live chat is never replaced', async () => {
      api.getMessages.mockResolvedValue(emptyHistory);
      api.getRoom.mockImplementation(async (id: string) => roomInfo({ ...(id === 'r9' ? again : {}) }));
      const app = await inChat();
      rt.push({ type: 'matched', room: again });
      await flush();
      expect(app.chat.value?.room.id).toBe('r1');
      rt.room(testRoom.channel).onEvent({ type: 'left', from: 'm-partner' });
      rt.push({ type: 'matched', room: again });
      await flush();
      expect(app.chat.value?.room.id).toBe('r9');
      expect(app.chat.value?.mode).toBe('live');
    });

    it('the filters screen counts who fits the filter being chosen (debounced), and stops elsewhere', async () => {
      vi.useFakeTimers();
      api.getQueue.mockResolvedValue({ online: 20, searching_fit: 12, expected_wait_s: 40 });
      const app = make(fakeTelegram().tg);
      await app.boot();
      await vi.advanceTimersByTimeAsync(400);
      expect(api.getQueue).toHaveBeenLastCalledWith({ gender: 'any', age_from: 18, age_to: 99 }, expect.objectContaining({ signal: expect.anything() }));
      expect(app.queue.value).toEqual({ online: 20, searching_fit: 12, expected_wait_s: 40 });
      app.draft.value = { gender: 'female', age_from: 18, age_to: 30 };
      await vi.advanceTimersByTimeAsync(400);
      expect(api.getQueue).toHaveBeenLastCalledWith({ gender: 'female', age_from: 18, age_to: 30 }, expect.anything());
      const n = api.getQueue.mock.calls.length;
      app.draft.value = { gender: 'female', age_from: 40, age_to: 30 }; // not valid: nothing to count
      await vi.advanceTimersByTimeAsync(20_000);
      expect(api.getQueue).toHaveBeenCalledTimes(n);
      expect(app.queue.value).toBeNull();
    });

    it('widening cancels the search and searches with the suggested filter, remembered', async () => {
      vi.useFakeTimers();
      const { tg, kept } = fakeTelegram();
      api.startSearch.mockResolvedValue({ state: 'waiting' });
      api.cancelSearch.mockResolvedValue(undefined);
      const wider = { gender: 'any' as const, age_from: 18, age_to: 40, searching_fit: 5 };
      api.getQueue.mockImplementation(async (_f, o) => ({ online: 9, searching_fit: '<3', expected_wait_s: null, ...(o?.suggest ? { wider } : {}) }));
      const app = useApp({ api, telegram: tg, realtime: () => rt, t, memory: createRoomMemory(store), widenAfterMs: 1000 });
      await app.boot();
      app.draft.value = { gender: 'male', age_from: 25, age_to: 30 };
      await app.find();
      await vi.advanceTimersByTimeAsync(1000);
      expect(app.search.value?.suggestion.value).toEqual(wider);
      await app.widen();
      expect(api.cancelSearch).toHaveBeenCalledOnce();
      expect(api.startSearch).toHaveBeenLastCalledWith({ gender: 'any', age_from: 18, age_to: 40 });
      expect(app.draft.value).toEqual({ gender: 'any', age_from: 18, age_to: 40 });
      expect(JSON.parse(kept.get(FILTERS_KEY)!)).toEqual({ gender: 'any', age_from: 18, age_to: 40 });
      expect(app.screen.value).toBe('searching');
      expect(app.search.value?.suggestion.value).toBeNull();
    });

    it('an ended chat asks "How was it?" once; leaving it unanswered counts as skipped', async () => {
      const ratingStore = memoryStore();
      const { tg } = fakeTelegram();
      const mk = () => useApp({ api, telegram: tg, realtime: () => rt, t, memory: createRoomMemory(store), ratingStore });
      api.getSearch.mockResolvedValue({ state: 'matched', room: testRoom });
      const app = mk();
      await app.boot();
      await flush();
      expect(app.ratingPrompt.value).toBeNull(); // still going
      await app.leave();
      expect(app.ratingPrompt.value).toBe('ask');
      app.rate('up');
      expect(api.rateRoom).toHaveBeenCalledWith('r1', 'up');
      expect(app.ratingPrompt.value).toBe('thanks');
      app.rate('down');
      expect(api.rateRoom).toHaveBeenCalledOnce();
      // Opened again later (read-only): not asked again.
      api.getSearch.mockResolvedValue({ state: 'idle' });
      api.getRoom.mockResolvedValue(roomInfo({ state: 'closed', closed_by: 'partner' }));
      const again2 = mk();
      await again2.boot();
      await flush();
      expect(again2.chat.value?.closed.value).toBe(true);
      expect(again2.ratingPrompt.value).toBeNull();
    });

    it('the partner leaving asks too; New partner without an answer does not ask again', async () => {
      const ratingStore = memoryStore();
      const { tg } = fakeTelegram();
      api.getSearch.mockResolvedValue({ state: 'matched', room: testRoom });
      api.startSearch.mockResolvedValue({ state: 'waiting' });
      const app = useApp({ api, telegram: tg, realtime: () => rt, t, memory: createRoomMemory(store), ratingStore });
      await app.boot();
      await flush();
      rt.room(testRoom.channel).onEvent({ type: 'left', from: 'm-partner' });
      expect(app.ratingPrompt.value).toBe('ask');
      await app.next();
      expect(api.rateRoom).not.toHaveBeenCalled();
      expect(ratingStore.data.get('tetatet.rated')).toBe('["r1"]');
    });

    it('interests come from the config; teen mode from GET /api/me', async () => {
      api.getConfig.mockResolvedValue({ centrifugo_ws_url: '/c', interests: ['music', 'films'] });
      api.getMe.mockResolvedValue({ ...alice, age: 16, teen_mode: true });
      const app = make(fakeTelegram().tg);
      await app.boot();
      expect(app.interests.value).toEqual(['music', 'films']);
      expect(app.teenMode.value).toBe(true);
    });
  });
});
