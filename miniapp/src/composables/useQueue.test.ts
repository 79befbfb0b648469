import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import type { QueueStatus, SearchFilters } from '../api/types';
import { createI18n } from '../i18n';
import { deferred, fakeApi, type FakeApi } from '../testing/fakes';
import { capitalize, createQueueWatch, fitText, queueLine, QUEUE_DEBOUNCE_MS, QUEUE_REFRESH_MS, waitText, widenText } from './useQueue';

const en = createI18n('en');
const ru = createI18n('ru');
const f = (age_from: number, age_to = 99, gender: SearchFilters['gender'] = 'any'): SearchFilters => ({ gender, age_from, age_to });
const q = (fit: QueueStatus['searching_fit'], wait: number | null = null): QueueStatus => ({ online: 10, searching_fit: fit, expected_wait_s: wait });

describe('queue texts', () => {
  it.each([
    [12, 30, '12 searching now fit you · usually under a minute', 'Сейчас ищут и подходят вам: 12 · обычно меньше минуты'],
    ['<3', null, 'Fewer than 3 searching now fit you', 'Сейчас ищут и подходят вам: меньше 3'],
    [3, 150, '3 searching now fit you · usually about 3 minutes', 'Сейчас ищут и подходят вам: 3 · обычно около 3 минут'],
    [40, 61, '40 searching now fit you · usually about 1 minute', 'Сейчас ищут и подходят вам: 40 · обычно около 1 минуты'],
    [5, 21 * 60, '5 searching now fit you · usually about 21 minutes', 'Сейчас ищут и подходят вам: 5 · обычно около 21 минуты'],
    [5, 4000, '5 searching now fit you · usually over an hour', 'Сейчас ищут и подходят вам: 5 · обычно больше часа'],
  ] as const)('fit %j, wait %j s', (fit, wait, wantEn, wantRu) => {
    expect(queueLine(q(fit, wait), en.t, en.tn)).toBe(wantEn);
    expect(queueLine(q(fit, wait), ru.t, ru.tn)).toBe(wantRu);
  });

  it('leaves an unknown wait out', () => {
    expect(waitText(null, en.t, en.tn)).toBe('');
    expect(fitText('<3', en.t, en.tn)).toBe('Fewer than 3 searching now fit you');
    expect(capitalize(waitText(10, ru.t, ru.tn))).toBe('Обычно меньше минуты');
  });

  it.each([
    [f(25, 30, 'male'), { ...f(18, 40, 'male'), searching_fit: 5 }, 'Widen to 18–40: 5 searching', 'Расширить до 18–40: ищут 5'],
    [f(25, 30, 'male'), { ...f(25, 30), searching_fit: '<3' }, 'Widen to anyone aged 25–30: fewer than 3 searching', 'Расширить до любой пол, 25–30: ищут меньше 3'],
  ] as const)('widen from %j to %j', (from, wider, wantEn, wantRu) => {
    expect(widenText(wider, from, en.t, en.tn)).toBe(wantEn);
    expect(widenText(wider, from, ru.t, ru.tn)).toBe(wantRu);
  });
});

describe('createQueueWatch', () => {
  let api: FakeApi;
  beforeEach(() => {
    vi.useFakeTimers();
    api = fakeApi();
  });
  afterEach(() => vi.useRealTimers());

  it('asks once the filter stops changing, for the last filter only', async () => {
    api.getQueue.mockResolvedValue(q(12, 30));
    const w = createQueueWatch({ api });
    w.watch(f(1 + 17));
    await vi.advanceTimersByTimeAsync(QUEUE_DEBOUNCE_MS / 2);
    w.watch(f(2 + 17)); // typing "2" after "1"…
    w.watch(f(25));
    await vi.advanceTimersByTimeAsync(QUEUE_DEBOUNCE_MS - 1);
    expect(api.getQueue).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(api.getQueue).toHaveBeenCalledOnce();
    expect(api.getQueue.mock.calls[0]![0]).toEqual(f(25));
    await vi.advanceTimersByTimeAsync(0);
    expect(w.status.value).toEqual(q(12, 30));
    expect(w.answered.value).toEqual(f(25));
  });

  it('aborts a request for an older filter and never shows its answer', async () => {
    const slow = deferred<QueueStatus>();
    api.getQueue.mockReturnValueOnce(slow.promise).mockResolvedValueOnce(q('<3'));
    const w = createQueueWatch({ api });
    w.watch(f(18));
    await vi.advanceTimersByTimeAsync(QUEUE_DEBOUNCE_MS);
    const signal = api.getQueue.mock.calls[0]![1]!.signal!;
    w.watch(f(30));
    expect(signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(QUEUE_DEBOUNCE_MS);
    await vi.advanceTimersByTimeAsync(0);
    expect(w.status.value).toEqual(q('<3'));
    slow.resolve(q(50)); // the stale answer arrives late anyway
    await vi.advanceTimersByTimeAsync(0);
    expect(w.status.value).toEqual(q('<3'));
    expect(w.answered.value).toEqual(f(30));
  });

  it('reads again while the filter stays; an equal filter changes nothing; null stops and clears', async () => {
    api.getQueue.mockResolvedValue(q(4));
    const w = createQueueWatch({ api });
    w.watch(f(18));
    await vi.advanceTimersByTimeAsync(QUEUE_DEBOUNCE_MS);
    w.watch(f(18));
    await vi.advanceTimersByTimeAsync(QUEUE_REFRESH_MS);
    expect(api.getQueue).toHaveBeenCalledTimes(2);
    w.watch(null);
    expect(w.status.value).toBeNull();
    await vi.advanceTimersByTimeAsync(QUEUE_REFRESH_MS * 3);
    expect(api.getQueue).toHaveBeenCalledTimes(2);
  });

  it('a failed read keeps the last count and tries again later', async () => {
    api.getQueue.mockResolvedValueOnce(q(7)).mockRejectedValueOnce(new ApiError(429, 'rate_limited', 'slow')).mockResolvedValue(q(8));
    const w = createQueueWatch({ api });
    w.watch(f(18));
    await vi.advanceTimersByTimeAsync(QUEUE_DEBOUNCE_MS);
    await vi.advanceTimersByTimeAsync(QUEUE_REFRESH_MS);
    expect(w.status.value).toEqual(q(7));
    await vi.advanceTimersByTimeAsync(QUEUE_REFRESH_MS);
    expect(w.status.value).toEqual(q(8));
  });
});
