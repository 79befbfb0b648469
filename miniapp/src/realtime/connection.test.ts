import { beforeEach, describe, expect, it, vi } from 'vitest';

// A stand-in for centrifuge-js that records what the app asks of it.
const created: { channel: string; opts: Record<string, unknown>; handlers: Map<string, (ctx: unknown) => void> }[] = [];
vi.mock('centrifuge', () => {
  class Subscription {
    handlers = new Map<string, (ctx: unknown) => void>();
    on(event: string, cb: (ctx: unknown) => void) {
      this.handlers.set(event, cb);
      return this;
    }
    subscribe() {}
    unsubscribe() {}
    removeAllListeners() {}
  }
  class Centrifuge {
    subs = new Map<string, Subscription>();
    on() {
      return this;
    }
    connect() {}
    getSubscription(channel: string) {
      return this.subs.get(channel) ?? null;
    }
    removeSubscription() {}
    newSubscription(channel: string, opts: Record<string, unknown>) {
      const sub = new Subscription();
      this.subs.set(channel, sub);
      created.push({ channel, opts, handlers: sub.handlers });
      return sub;
    }
  }
  class UnauthorizedError extends Error {}
  return { Centrifuge, UnauthorizedError };
});

const { createRealtime, newSession } = await import('./connection');

describe('createRealtime room subscriptions', () => {
  const tokens = { connectionToken: vi.fn(), subscriptionToken: vi.fn() };
  const handlers = () => ({ onEvent: vi.fn(), onJoin: vi.fn(), onLeave: vi.fn(), onSubscribed: vi.fn(), onRefused: vi.fn() });
  beforeEach(() => (created.length = 0));

  it('asks for every token of one launch with the same session id, and a new launch gets a new one', async () => {
    tokens.connectionToken.mockResolvedValue({ token: 'c', expires_at: 1 });
    tokens.subscriptionToken.mockResolvedValue({ token: 's', expires_at: 1 });
    createRealtime('ws://x', tokens).subscribeRoom('room:a', handlers());
    await (created[0]!.opts.getToken as () => Promise<string>)();
    const session = tokens.subscriptionToken.mock.calls[0]![1] as string;
    expect(session).toMatch(/^[0-9a-f]{32}$/);
    expect(newSession()).not.toBe(session);
  });

  it('passes the stream position as centrifuge-js `since`, or none', () => {
    const rt = createRealtime('ws://x/connection/websocket', tokens);
    rt.subscribeRoom('room:a', handlers(), { since: { offset: 12, epoch: 'ep' } });
    rt.subscribeRoom('room:b', handlers());
    expect(created.map((c) => [c.channel, c.opts.since])).toEqual([
      ['room:a', { offset: 12, epoch: 'ep' }],
      ['room:b', null],
    ]);
  });

  it('reports a refused subscription token (unsubscribed, unauthorized) and nothing else', () => {
    const h = handlers();
    createRealtime('ws://x', tokens).subscribeRoom('room:a', h);
    created[0]!.handlers.get('unsubscribed')!({ code: 0, reason: 'unsubscribe called' });
    expect(h.onRefused).not.toHaveBeenCalled();
    created[0]!.handlers.get('unsubscribed')!({ code: 1, reason: 'unauthorized' });
    expect(h.onRefused).toHaveBeenCalledOnce();
  });

  it.each([
    [{ wasRecovering: true, recovered: true }, false],
    [{ wasRecovering: true, recovered: false }, true],
    [{ wasRecovering: false, recovered: false }, false],
  ])('subscribed %j means lostHistory %s', (ctx, lost) => {
    const h = handlers();
    createRealtime('ws://x', tokens).subscribeRoom('room:a', h, { since: { offset: 1, epoch: 'e' } });
    created[0]!.handlers.get('subscribed')!(ctx);
    expect(h.onSubscribed).toHaveBeenCalledWith({ lostHistory: lost });
  });
});
