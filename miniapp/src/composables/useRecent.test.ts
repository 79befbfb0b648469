import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import type { RecentRoom } from '../api/types';
import { createI18n } from '../i18n';
import { deferred, fakeApi, flush, type FakeApi } from '../testing/fakes';
import { endedAgo, lastLineText, useRecent } from './useRecent';

const bob = (over: Partial<RecentRoom> = {}): RecentRoom => ({
  id: 'r1',
  partner: { nickname: 'Bob', gender: 'male', age: 27 },
  closed_at: 1000,
  last: { text: 'bye', from: 'partner' },
  again: { me: false },
  ...over,
});
const en = createI18n('en');
const ru = createI18n('ru');

describe('useRecent', () => {
  let api: FakeApi;
  beforeEach(() => {
    api = fakeApi();
    api.getRecent.mockResolvedValue({ rooms: [bob(), bob({ id: 'r2', again: { me: true } })] });
  });

  it('loads the list and toggles the user’s own wish with POST and DELETE', async () => {
    const r = useRecent({ api });
    await r.load();
    expect(r.rooms.value.map((x) => x.id)).toEqual(['r1', 'r2']);
    await r.toggle('r1');
    expect(api.wishAgain).toHaveBeenCalledWith('r1');
    expect(r.rooms.value[0]!.again.me).toBe(true);
    await r.toggle('r2');
    expect(api.unwishAgain).toHaveBeenCalledWith('r2');
    expect(r.rooms.value[1]!.again.me).toBe(false);
  });

  it('shows the wish at once and one request at a time per row', async () => {
    const d = deferred<void>();
    api.wishAgain.mockReturnValueOnce(d.promise);
    const r = useRecent({ api });
    await r.load();
    const first = r.toggle('r1');
    expect(r.rooms.value[0]!.again.me).toBe(true);
    expect(r.pending.value.has('r1')).toBe(true);
    await r.toggle('r1');
    expect(api.unwishAgain).not.toHaveBeenCalled();
    d.resolve();
    await first;
    expect(r.pending.value.has('r1')).toBe(false);
  });

  it('404: the chat is no longer in the list: it is read again', async () => {
    api.wishAgain.mockRejectedValue(new ApiError(404, 'not_found', 'gone'));
    const r = useRecent({ api });
    await r.load();
    api.getRecent.mockResolvedValue({ rooms: [bob({ id: 'r2' })] });
    await r.toggle('r1');
    await flush();
    expect(api.getRecent).toHaveBeenCalledTimes(2);
    expect(r.rooms.value.map((x) => x.id)).toEqual(['r2']);
    expect(r.error.value).toBeNull();
  });

  it('minors: a refusal takes "talk again" away; a restriction goes to the app; others say so', async () => {
    const onRestricted = vi.fn((err: ApiError) => err.code === 'suspended' || err.code === 'banned');
    const r = useRecent({ api, onRestricted });
    await r.load();
    api.wishAgain.mockRejectedValueOnce(new ApiError(403, 'suspended', 'no', { until: 5 }));
    await r.toggle('r1');
    expect(onRestricted).toHaveReturnedWith(true);
    expect(r.rooms.value[0]!.again.me).toBe(false);
    expect(r.error.value).toBeNull();
    api.wishAgain.mockRejectedValueOnce(new ApiError(0, 'network', 'offline'));
    await r.toggle('r1');
    expect(r.error.value?.code).toBe('network');
    api.wishAgain.mockRejectedValueOnce(new ApiError(403, 'minors_not_allowed', 'no', { rule: 'again' }));
    await r.toggle('r1');
    expect(r.againRefused.value).toBe(true);
    expect(r.rooms.value[0]!.again.me).toBe(false);
    await r.toggle('r1');
    expect(api.wishAgain).toHaveBeenCalledTimes(3);
  });

  it('a late answer of an older load does not replace a newer one', async () => {
    const old = deferred<{ rooms: RecentRoom[] }>();
    api.getRecent.mockReturnValueOnce(old.promise).mockResolvedValueOnce({ rooms: [bob({ id: 'new' })] });
    const r = useRecent({ api });
    const a = r.load();
    await r.load();
    old.resolve({ rooms: [bob({ id: 'old' })] });
    await a;
    expect(r.rooms.value.map((x) => x.id)).toEqual(['new']);
  });
});

describe('recent chat rows', () => {
  it.each([
    [{ text: 'bye', from: 'partner' as const }, 'bye', 'bye'],
    [{ text: 'see you', from: 'me' as const }, 'You: see you', 'Вы: see you'],
    [{ text: '', from: 'partner' as const, media: 'photo' as const }, 'Photo', 'Фото'],
    [{ text: '', from: 'me' as const, media: 'voice' as const }, 'You: Voice message', 'Вы: Голосовое сообщение'],
    [{ text: 'look', from: 'partner' as const, media: 'photo' as const }, 'Photo · look', 'Фото · look'],
    [null, '', ''],
  ])('last line %j', (last, wantEn, wantRu) => {
    expect(lastLineText(last, en.t)).toBe(wantEn);
    expect(lastLineText(last, ru.t)).toBe(wantRu);
  });

  it.each([
    [20_000, 'just now', 'только что'],
    [5 * 60_000, '5 minutes ago', '5 минут назад'],
    [61 * 60_000, '1 hour ago', '1 час назад'],
    [3 * 3600_000 + 5, '3 hours ago', '3 часа назад'],
  ])('ended %i ms ago', (ago, wantEn, wantRu) => {
    const now = 10_000_000_000;
    expect(endedAgo(now - ago, now, 'en', en.t)).toBe(wantEn);
    expect(endedAgo(now - ago, now, 'ru', ru.t)).toBe(wantRu);
  });
});
