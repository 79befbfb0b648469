import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OFFLINE_GRACE_MS, usePresence } from './presence';

describe('usePresence', () => {
  let lines: string[];
  let rechecks: number;
  const make = () => usePresence({ say: (l) => lines.push(l), recheck: () => rechecks++ });
  beforeEach(() => {
    vi.useFakeTimers();
    lines = [];
    rechecks = 0;
  });
  afterEach(() => vi.useRealTimers());

  it('is unknown until both its own connection and some evidence are there', () => {
    const p = make();
    expect(p.presence.value).toBe('unknown');
    p.fromStatus(true, p.marker());
    expect(p.presence.value).toBe('unknown'); // our own socket is not up: we cannot tell
    p.connection(true);
    expect(p.presence.value).toBe('online');
    p.connection(false);
    expect(p.presence.value).toBe('unknown');
  });

  it('a status asked before a join or leave does not overrule it', () => {
    const p = make();
    p.connection(true);
    const asked = p.marker();
    p.join('c1');
    p.fromStatus(false, asked);
    expect(p.presence.value).toBe('online');
  });

  it('a status saying offline after the partner was seen says "went offline" once', () => {
    const p = make();
    p.connection(true);
    p.join('c1');
    p.connection(false);
    p.connection(true);
    p.fromStatus(false, p.marker());
    p.fromStatus(false, p.marker());
    expect(p.presence.value).toBe('offline');
    expect(lines).toEqual(['partnerJoined', 'partnerOffline']);
    p.join('c2');
    expect(lines).toEqual(['partnerJoined', 'partnerOffline', 'partnerBack']);
  });

  it('a leave only counts after the grace period, and a rejoin inside it says nothing', () => {
    const p = make();
    p.connection(true);
    p.join('c1');
    p.leave('c1');
    vi.advanceTimersByTime(OFFLINE_GRACE_MS - 1);
    p.join('c2');
    vi.advanceTimersByTime(OFFLINE_GRACE_MS);
    expect(p.presence.value).toBe('online');
    expect(lines).toEqual(['partnerJoined']);
  });
});
