import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import type { StartSearchResult } from '../api/types';
import { deferred, fakeApi, FakeRealtime, flush, testRoom, type FakeApi } from '../testing/fakes';
import { createI18n } from '../i18n';
import {
  ageBounds,
  DEFAULT_SEARCH_TTL_S,
  defaultFilters,
  filtersValid,
  formatElapsed,
  SEARCH_RECHECK_MS,
  searchLifetime,
  searchTtlOf,
  useSearch,
  WIDEN_AFTER_MS,
  widenAfterFromQuery,
} from './useSearch';

const filters = { gender: 'any' as const, age_from: 18, age_to: 99 };

describe('search helpers', () => {
  it.each([
    [16, { gender: 'any', age_from: 16, age_to: 17 }],
    [17, { gender: 'any', age_from: 16, age_to: 17 }],
    [18, { gender: 'any', age_from: 18, age_to: 99 }],
    [45, { gender: 'any', age_from: 18, age_to: 99 }],
  ])('default filters for age %i', (age, want) => {
    expect(defaultFilters(age)).toEqual(want);
  });

  it.each([
    [25, 18, 99, true],
    [25, 30, 20, false],
    [25, 16, 30, false],
    [16, 16, 17, true],
    [16, 16, 18, false],
    [25, 18.5, 30, false],
  ])('filtersValid(own %i, %i–%i) = %s', (own, from, to, want) => {
    expect(filtersValid({ gender: 'any', age_from: from, age_to: to }, own)).toBe(want);
  });

  it('ageBounds splits at 18', () => {
    expect(ageBounds(17)).toEqual({ min: 16, max: 17 });
    expect(ageBounds(18)).toEqual({ min: 18, max: 99 });
  });

  it.each([
    [0, '00:00'],
    [9, '00:09'],
    [75, '01:15'],
    [3600, '60:00'],
  ])('formatElapsed(%i) = %s', (s, want) => expect(formatElapsed(s)).toBe(want));
});

describe('how long a search lasts (GET /api/config search_ttl_s)', () => {
  const ends = (locale: 'en' | 'ru', seconds: number) => {
    const { t, tn } = createI18n(locale);
    return t('searchEnds', { duration: searchLifetime(seconds, tn) });
  };

  it.each([
    ['en', 600, 'The search stops by itself after 10 minutes.'],
    ['en', 60, 'The search stops by itself after 1 minute.'],
    ['en', 120, 'The search stops by itself after 2 minutes.'],
    ['en', 300, 'The search stops by itself after 5 minutes.'],
    ['en', 1260, 'The search stops by itself after 21 minutes.'],
    ['en', 90, 'The search stops by itself after 90 seconds.'],
    ['en', 1, 'The search stops by itself after 1 second.'],
    ['ru', 600, 'Поиск сам остановится через 10 минут.'],
    ['ru', 60, 'Поиск сам остановится через 1 минуту.'],
    ['ru', 120, 'Поиск сам остановится через 2 минуты.'],
    ['ru', 300, 'Поиск сам остановится через 5 минут.'],
    ['ru', 1260, 'Поиск сам остановится через 21 минуту.'],
    ['ru', 90, 'Поиск сам остановится через 90 секунд.'],
    ['ru', 1, 'Поиск сам остановится через 1 секунду.'],
    ['ru', 2, 'Поиск сам остановится через 2 секунды.'],
    ['ru', 21, 'Поиск сам остановится через 21 секунду.'],
  ] as const)('%s, %i s: %s', (locale, seconds, want) => {
    expect(ends(locale, seconds)).toBe(want);
  });

  it.each([
    [599, '599 seconds'],
    [630, '11 minutes'], // from 10 minutes on, not whole: the nearest minute
    [629, '10 minutes'],
    [3600, '60 minutes'],
    [89.2, '90 seconds'], // never says less than the server keeps the search
  ])('%s s reads as %s', (seconds, want) => {
    expect(searchLifetime(seconds, createI18n('en').tn)).toBe(want);
  });

  it.each([
    [{ search_ttl_s: 300 }, 300],
    [{ search_ttl_s: 1.5 }, 2],
    [{}, DEFAULT_SEARCH_TTL_S], // an older API without the field
    [{ search_ttl_s: 0 }, DEFAULT_SEARCH_TTL_S],
    [{ search_ttl_s: -5 }, DEFAULT_SEARCH_TTL_S],
    [{ search_ttl_s: '300' }, DEFAULT_SEARCH_TTL_S],
    [{ search_ttl_s: Number.NaN }, DEFAULT_SEARCH_TTL_S],
  ])('searchTtlOf(%o) = %i', (config, want) => {
    expect(searchTtlOf(config)).toBe(want);
  });

  it('falls back to 10 minutes', () => {
    expect(DEFAULT_SEARCH_TTL_S).toBe(600);
    expect(ends('en', DEFAULT_SEARCH_TTL_S)).toBe('The search stops by itself after 10 minutes.');
  });
});

describe('useSearch', () => {
  let api: FakeApi;
  let rt: FakeRealtime;
  beforeEach(() => {
    api = fakeApi();
    rt = new FakeRealtime();
  });
  afterEach(() => vi.useRealTimers());

  it('waits, then takes the match from the personal channel push', async () => {
    const onMatched = vi.fn();
    api.startSearch.mockResolvedValue({ state: 'waiting' });
    const s = useSearch(api, rt, { onMatched });
    await s.start(filters);
    expect(api.startSearch).toHaveBeenCalledWith(filters);
    expect(s.phase.value).toBe('waiting');
    expect(api.getSearch).not.toHaveBeenCalled(); // no polling

    rt.push({ type: 'matched', room: testRoom });
    expect(s.phase.value).toBe('matched');
    expect(s.room.value).toEqual(testRoom);
    expect(onMatched).toHaveBeenCalledOnce();
  });

  it('goes straight to matched when POST answers matched', async () => {
    api.startSearch.mockResolvedValue({ state: 'matched', room: testRoom });
    const s = useSearch(api, rt);
    await s.start(filters);
    expect(s.phase.value).toBe('matched');
    expect(s.room.value?.id).toBe('r1');
  });

  it('keeps a pushed match even if the POST answer (waiting) arrives later', async () => {
    const post = deferred<StartSearchResult>();
    api.startSearch.mockReturnValue(post.promise);
    const s = useSearch(api, rt);
    const started = s.start(filters);
    expect(s.phase.value).toBe('starting');
    rt.push({ type: 'matched', room: testRoom });
    post.resolve({ state: 'waiting' });
    await started;
    expect(s.phase.value).toBe('matched');
  });

  it('cancel: 204 returns to idle', async () => {
    api.startSearch.mockResolvedValue({ state: 'waiting' });
    api.cancelSearch.mockResolvedValue(undefined);
    const s = useSearch(api, rt);
    await s.start(filters);
    await s.cancel();
    expect(s.phase.value).toBe('idle');
    expect(s.filters.value).toEqual(filters);
  });

  it('cancel: 409 already_matched fetches the room and goes to the chat', async () => {
    api.startSearch.mockResolvedValue({ state: 'waiting' });
    api.cancelSearch.mockRejectedValue(new ApiError(409, 'already_matched', 'too late'));
    api.getSearch.mockResolvedValue({ state: 'matched', room: testRoom });
    const s = useSearch(api, rt);
    await s.start(filters);
    await s.cancel();
    expect(api.getSearch).toHaveBeenCalledOnce();
    expect(s.phase.value).toBe('matched');
    expect(s.room.value).toEqual(testRoom);
  });

  it('cancel: 409 with the push arriving first needs no GET', async () => {
    api.startSearch.mockResolvedValue({ state: 'waiting' });
    const del = deferred<void>();
    api.cancelSearch.mockReturnValue(del.promise);
    const s = useSearch(api, rt);
    await s.start(filters);
    const cancelling = s.cancel();
    expect(s.phase.value).toBe('cancelling');
    rt.push({ type: 'matched', room: testRoom });
    del.reject(new ApiError(409, 'already_matched', 'too late'));
    await cancelling;
    expect(s.phase.value).toBe('matched');
    expect(api.getSearch).not.toHaveBeenCalled();
  });

  it('cancel: a network failure keeps searching and reports the error', async () => {
    api.startSearch.mockResolvedValue({ state: 'waiting' });
    api.cancelSearch.mockRejectedValue(new ApiError(0, 'network', 'offline'));
    const s = useSearch(api, rt);
    await s.start(filters);
    await s.cancel();
    expect(s.phase.value).toBe('waiting');
    expect(s.error.value?.code).toBe('network');
  });

  it('cancel while POST is in flight waits for it first', async () => {
    const post = deferred<StartSearchResult>();
    api.startSearch.mockReturnValue(post.promise);
    api.cancelSearch.mockResolvedValue(undefined);
    const s = useSearch(api, rt);
    void s.start(filters);
    const cancelling = s.cancel();
    await flush();
    expect(api.cancelSearch).not.toHaveBeenCalled();
    post.resolve({ state: 'waiting' });
    await cancelling;
    expect(api.cancelSearch).toHaveBeenCalledOnce();
    expect(s.phase.value).toBe('idle');
  });

  it('search_expired returns to idle with a notice', async () => {
    api.startSearch.mockResolvedValue({ state: 'waiting' });
    const s = useSearch(api, rt);
    await s.start(filters);
    rt.push({ type: 'search_expired' });
    expect(s.phase.value).toBe('idle');
    expect(s.notice.value).toBe('expired');
  });

  it('ignores pushes when not searching', () => {
    const s = useSearch(api, rt);
    rt.push({ type: 'matched', room: testRoom });
    rt.push({ type: 'search_expired' });
    expect(s.phase.value).toBe('idle');
    expect(s.notice.value).toBeNull();
  });

  it('while waiting, re-reads GET /api/search and the queue counts every 15 s, so a lost push cannot strand it', async () => {
    vi.useFakeTimers();
    api.startSearch.mockResolvedValue({ state: 'waiting' });
    api.getQueue.mockResolvedValue({ online: 12, searching_fit: '<3', expected_wait_s: null });
    api.getSearch.mockResolvedValue({ state: 'waiting' });
    const s = useSearch(api, rt);
    await s.start(filters);
    await vi.advanceTimersByTimeAsync(0);
    expect(api.getQueue).toHaveBeenCalledWith(filters);
    expect(s.queue.value).toEqual({ online: 12, searching_fit: '<3', expected_wait_s: null });
    expect(api.getSearch).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(SEARCH_RECHECK_MS);
    expect(api.getSearch).toHaveBeenCalledTimes(1);
    api.getSearch.mockResolvedValue({ state: 'matched', room: testRoom }); // the push was lost
    await vi.advanceTimersByTimeAsync(SEARCH_RECHECK_MS);
    expect(s.phase.value).toBe('matched');
    expect(s.queue.value).toBeNull();
    await vi.advanceTimersByTimeAsync(SEARCH_RECHECK_MS * 3);
    expect(api.getSearch).toHaveBeenCalledTimes(2);
    s.dispose();
  });

  it('a server without GET /api/queue searches the same, with no count', async () => {
    api.startSearch.mockResolvedValue({ state: 'waiting' });
    api.getQueue.mockRejectedValue(new ApiError(404, 'not_found', 'no route'));
    const s = useSearch(api, rt);
    await s.start(filters);
    await flush();
    expect(s.phase.value).toBe('waiting');
    expect(s.queue.value).toBeNull();
    expect(s.error.value).toBeNull();
    s.dispose();
  });

  it('asks GET /api/search once after a reconnect while waiting', async () => {
    api.startSearch.mockResolvedValue({ state: 'waiting' });
    api.getSearch.mockResolvedValue({ state: 'matched', room: testRoom });
    const s = useSearch(api, rt);
    rt.setState('connected'); // idle: nothing to ask
    expect(api.getSearch).not.toHaveBeenCalled();
    await s.start(filters);
    rt.setState('connecting');
    rt.setState('connected');
    await flush();
    expect(api.getSearch).toHaveBeenCalledOnce();
    expect(s.phase.value).toBe('matched');
  });

  it('a POST failure returns to idle with the error', async () => {
    api.startSearch.mockRejectedValue(new ApiError(429, 'rate_limited', 'slow down', { retryAfter: 2 }));
    const s = useSearch(api, rt);
    await s.start(filters);
    expect(s.phase.value).toBe('idle');
    expect(s.error.value).toMatchObject({ code: 'rate_limited', retryAfter: 2 });
  });

  it('counts elapsed seconds while searching', async () => {
    vi.useFakeTimers();
    api.startSearch.mockResolvedValue({ state: 'waiting' });
    const s = useSearch(api, rt);
    await s.start(filters);
    vi.advanceTimersByTime(65_000);
    expect(s.elapsed.value).toBe(65);
    rt.push({ type: 'matched', room: testRoom });
    expect(s.elapsed.value).toBe(0);
  });

  it('refresh(quiet) at start-up does not show an old expiry', async () => {
    api.getSearch.mockResolvedValue({ state: 'expired' });
    const s = useSearch(api, rt);
    await s.refresh(true);
    expect(s.notice.value).toBeNull();
    await s.refresh();
    expect(s.notice.value).toBe('expired');
  });

  it('after WIDEN_AFTER_MS without a match asks for a wider filter, and keeps asking with the recheck', async () => {
    vi.useFakeTimers();
    api.startSearch.mockResolvedValue({ state: 'waiting' });
    const wider = { gender: 'any' as const, age_from: 18, age_to: 40, searching_fit: 5 as const };
    api.getQueue.mockImplementation(async (_f, o) => ({ online: 12, searching_fit: '<3', expected_wait_s: 20, ...(o?.suggest ? { wider } : {}) }));
    const s = useSearch(api, rt);
    await s.start({ gender: 'male', age_from: 25, age_to: 30 });
    await vi.advanceTimersByTimeAsync(WIDEN_AFTER_MS - 1000);
    expect(api.getQueue.mock.calls.every((c) => c[1] === undefined)).toBe(true);
    expect(s.suggestion.value).toBeNull();
    expect(s.queue.value?.expected_wait_s).toBe(20);
    await vi.advanceTimersByTimeAsync(1000);
    expect(api.getQueue).toHaveBeenLastCalledWith({ gender: 'male', age_from: 25, age_to: 30 }, { suggest: true });
    expect(s.suggestion.value).toEqual(wider);
    const n = api.getQueue.mock.calls.length;
    await vi.advanceTimersByTimeAsync(SEARCH_RECHECK_MS);
    expect(api.getQueue).toHaveBeenCalledTimes(n + 1);
    expect(api.getQueue.mock.lastCall![1]).toEqual({ suggest: true });
    rt.push({ type: 'matched', room: testRoom });
    expect(s.suggestion.value).toBeNull();
    s.dispose();
  });

  it('the threshold is configurable (the browser test uses a short one); no wider filter, no suggestion', async () => {
    vi.useFakeTimers();
    api.startSearch.mockResolvedValue({ state: 'waiting' });
    api.getQueue.mockResolvedValue({ online: 3, searching_fit: 4, expected_wait_s: null });
    const s = useSearch(api, rt, { widenAfterMs: 2000 });
    await s.start(filters);
    await vi.advanceTimersByTimeAsync(2000);
    expect(api.getQueue).toHaveBeenLastCalledWith(filters, { suggest: true });
    expect(s.suggestion.value).toBeNull();
    api.cancelSearch.mockResolvedValue(undefined);
    await s.cancel();
    expect(s.phase.value).toBe('idle');
    api.getQueue.mockClear();
    await vi.advanceTimersByTimeAsync(WIDEN_AFTER_MS);
    expect(api.getQueue).not.toHaveBeenCalled();
    s.dispose();
  });

  it.each([
    ['', undefined],
    ['?widen_after_s=3', 3000],
    ['?x=1&widen_after_s=0.5', 500],
    ['?widen_after_s=0', undefined],
    ['?widen_after_s=abc', undefined],
    ['?widen_after_s=100000', undefined],
  ])('widenAfterFromQuery(%j) = %j', (q, want) => {
    expect(widenAfterFromQuery(q)).toBe(want);
  });

  it('adopt takes a room that opened without a search (both wished to talk again)', () => {
    const onMatched = vi.fn();
    const s = useSearch(api, rt, { onMatched });
    s.adopt(testRoom);
    expect(s.phase.value).toBe('matched');
    expect(s.room.value).toEqual(testRoom);
    expect(onMatched).toHaveBeenCalledOnce();
  });
});
