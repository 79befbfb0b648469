import { describe, expect, it } from 'vitest';
import { RESEND_BASE_MS, RESEND_JITTER, RESEND_MAX_MS, resendDelay } from './outbox';

describe('resendDelay', () => {
  it.each([
    [0, undefined, 0, RESEND_BASE_MS],
    [1, undefined, 0, 2 * RESEND_BASE_MS],
    [3, undefined, 0, 8 * RESEND_BASE_MS],
    [20, undefined, 0, RESEND_MAX_MS],
    [0, 5, 0, 5000],
    [6, 5, 0, 5000], // Retry-After wins over our own backoff
    [0, 2, 1, 2000 * (1 + RESEND_JITTER)],
    [2, undefined, 0.5, 4 * RESEND_BASE_MS * (1 + RESEND_JITTER / 2)],
  ])('attempt %i, Retry-After %s, random %s: %i ms', (attempt, retryAfter, random, want) => {
    expect(resendDelay(attempt, retryAfter, () => random)).toBe(Math.round(want));
  });

  it('never comes back before Retry-After', () => {
    for (let i = 0; i < 50; i++) expect(resendDelay(0, 3)).toBeGreaterThanOrEqual(3000);
  });
});
