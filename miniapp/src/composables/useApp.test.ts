import { beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import { createI18n } from '../i18n';
import type { TelegramBridge } from '../telegram/bridge';
import { fakeApi, FakeRealtime, flush, testRoom, type FakeApi } from '../testing/fakes';
import { useApp } from './useApp';

function fakeTelegram(initData = 'signed') {
  let back: (() => void) | null = null;
  const tg = {
    initData,
    languageCode: 'en',
    colorScheme: () => 'light' as const,
    themeParams: () => ({}),
    ready: vi.fn(),
    expand: vi.fn(),
    onThemeChanged: () => () => {},
    setBackButton: vi.fn((cb: (() => void) | null) => (back = cb)),
    hapticSuccess: vi.fn(),
    hapticLight: vi.fn(),
    setClosingConfirmation: vi.fn(),
    confirm: vi.fn(() => Promise.resolve(true)),
  } satisfies TelegramBridge;
  return { tg, pressBack: () => back?.() };
}

const alice = { onboarded: true as const, nickname: 'Alice', gender: 'female' as const, age: 25 };

describe('useApp', () => {
  let api: FakeApi;
  let rt: FakeRealtime;
  beforeEach(() => {
    api = fakeApi();
    rt = new FakeRealtime();
    api.getConfig.mockResolvedValue({ centrifugo_ws_url: '/connection/websocket' });
    api.getMe.mockResolvedValue(alice);
    api.getSearch.mockResolvedValue({ state: 'idle' });
  });
  const make = (tg: TelegramBridge) =>
    useApp({ api, telegram: tg, realtime: () => rt, t: createI18n('en').t });

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

  it('resumes a running chat after a reload', async () => {
    api.getSearch.mockResolvedValue({ state: 'matched', room: testRoom });
    const app = make(fakeTelegram().tg);
    await app.boot();
    expect(app.screen.value).toBe('chat');
    expect(rt.rooms.has(testRoom.channel)).toBe(true);
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
    await nextTick();
    expect(app.screen.value).toBe('chat');
    expect(tg.hapticSuccess).toHaveBeenCalledOnce();
    expect(tg.setClosingConfirmation).toHaveBeenLastCalledWith(true);

    rt.room(testRoom.channel).onEvent({ type: 'message', id: '1', from: 'p', text: 'hi', ts: 1 });
    expect(tg.hapticLight).toHaveBeenCalledOnce();

    await app.next();
    expect(api.leaveRoom).toHaveBeenCalledWith('r1');
    expect(api.startSearch).toHaveBeenLastCalledWith({ gender: 'male', age_from: 20, age_to: 30 });
    expect(api.leaveRoom.mock.invocationCallOrder[0]).toBeLessThan(api.startSearch.mock.invocationCallOrder[1]!);
    await nextTick();
    expect(app.screen.value).toBe('searching');
    expect(tg.setClosingConfirmation).toHaveBeenLastCalledWith(false);

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
    api.getSearch.mockResolvedValue({ state: 'matched', room: testRoom });
    const app = make(tg);
    await app.boot();
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
});
