import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import { fakeApi, type FakeApi } from '../testing/fakes';
import { memoryStore } from './roomMemory';
import { RATED_KEEP, RATED_KEY, RATING_RETRY_MS, RATING_THANKS_MS, useRating } from './useRating';

describe('useRating', () => {
  let api: FakeApi;
  let store: ReturnType<typeof memoryStore>;
  beforeEach(() => {
    vi.useFakeTimers();
    api = fakeApi();
    store = memoryStore();
  });
  afterEach(() => vi.useRealTimers());

  it('asks once per room: an answer is sent, thanked, and never asked again (also after a relaunch)', async () => {
    const r = useRating({ api, store });
    expect(r.prompt('r1')).toBe('ask');
    r.answer('r1', 'up');
    expect(api.rateRoom).toHaveBeenCalledWith('r1', 'up');
    expect(r.prompt('r1')).toBe('thanks');
    r.answer('r1', 'down'); // a second tap changes nothing
    expect(api.rateRoom).toHaveBeenCalledOnce();
    await vi.advanceTimersByTimeAsync(RATING_THANKS_MS);
    expect(r.prompt('r1')).toBeNull();
    expect(r.prompt('r2')).toBe('ask');
    expect(useRating({ api, store }).prompt('r1')).toBeNull();
  });

  it('skipping is remembered too, and sends nothing', () => {
    const r = useRating({ api, store });
    r.skip('r1');
    expect(r.prompt('r1')).toBeNull();
    expect(api.rateRoom).not.toHaveBeenCalled();
    expect(JSON.parse(store.data.get(RATED_KEY)!)).toEqual(['r1']);
  });

  it('no answer: sent once more; a refusal: not', async () => {
    api.rateRoom.mockRejectedValueOnce(new ApiError(0, 'network', 'offline')).mockResolvedValueOnce(undefined);
    const r = useRating({ api, store });
    r.answer('r1', 'down');
    await vi.advanceTimersByTimeAsync(RATING_RETRY_MS);
    expect(api.rateRoom).toHaveBeenCalledTimes(2);
    api.rateRoom.mockRejectedValueOnce(new ApiError(409, 'room_active', 'still going'));
    r.answer('r2', 'up');
    await vi.advanceTimersByTimeAsync(RATING_RETRY_MS * 2);
    expect(api.rateRoom).toHaveBeenCalledTimes(3);
  });

  it('remembers a bounded number of rooms; bad storage is no storage', () => {
    const r = useRating({ api, store });
    for (let i = 0; i < RATED_KEEP + 5; i++) r.skip(`r${i}`);
    expect(JSON.parse(store.data.get(RATED_KEY)!)).toHaveLength(RATED_KEEP);
    expect(r.prompt('r0')).toBe('ask');
    store.data.set(RATED_KEY, '{oops');
    expect(useRating({ api, store }).prompt('r7')).toBe('ask');
    expect(useRating({ api, store: null }).prompt('r7')).toBe('ask');
  });
});
