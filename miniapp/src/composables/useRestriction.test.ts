import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import { useRestriction } from './useRestriction';

describe('useRestriction', () => {
  afterEach(() => vi.useRealTimers());

  it('a suspension lifts itself when it ends; a ban stays', () => {
    vi.useFakeTimers({ now: 1000 });
    const r = useRestriction();
    r.set({ code: 'suspended', until: 6000 });
    expect(r.restriction.value).toEqual({ code: 'suspended', until: 6000 });
    vi.advanceTimersByTime(4999);
    expect(r.restriction.value).not.toBeNull();
    vi.advanceTimersByTime(1);
    expect(r.restriction.value).toBeNull();

    r.set({ code: 'banned' });
    vi.advanceTimersByTime(10 ** 9);
    expect(r.restriction.value).toEqual({ code: 'banned' });
  });

  it('ignores a suspension that already ended', () => {
    const r = useRestriction({ now: () => 10 });
    r.set({ code: 'suspended', until: 5 });
    expect(r.restriction.value).toBeNull();
  });

  it.each([
    [new ApiError(403, 'suspended', 'x', { until: 99_999_999_999_999 }), { code: 'suspended', until: 99_999_999_999_999 }],
    [new ApiError(403, 'banned', 'x'), { code: 'banned' }],
  ])('takes %s from a search error', (err, want) => {
    const r = useRestriction({ now: () => 0 });
    expect(r.fromError(err)).toBe(true);
    expect(r.restriction.value).toEqual(want);
    r.dispose();
  });

  it('other errors are not restrictions', () => {
    const r = useRestriction();
    expect(r.fromError(new ApiError(403, 'forbidden', 'x'))).toBe(false);
    expect(r.fromError(null)).toBe(false);
    expect(r.restriction.value).toBeNull();
  });
});
