import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ref } from 'vue';
import { ApiError } from '../../api/errors';
import { deferred, fakeApi, flush, type FakeApi } from '../../testing/fakes';
import { menuAction, useReveal } from './reveal';

const ME = 'm-me';
const PARTNER = 'm-partner';
const none = { me: false, partner: false, done: false };

describe('useReveal', () => {
  let api: FakeApi;
  const closed = ref(false);
  beforeEach(() => {
    api = fakeApi();
    closed.value = false;
  });
  const make = (minors = false, onRoomError = vi.fn()) => useReveal({ api, roomId: 'r1', me: ME, closed, minors, onRoomError });

  it('offers, waits for the partner, takes it back', async () => {
    const r = make();
    expect(r.view.value).toBe('idle');
    await r.offer();
    expect(api.offerReveal).toHaveBeenCalledWith('r1');
    expect(r.view.value).toBe('waiting');
    r.event(ME, 'offered'); // its own publication changes nothing
    expect(r.view.value).toBe('waiting');
    await r.withdraw();
    expect(api.withdrawReveal).toHaveBeenCalledWith('r1');
    expect(r.view.value).toBe('idle');
  });

  it('shows the partner’s offer from the publication and from the room status; withdrawn, it goes', () => {
    const r = make();
    r.event(PARTNER, 'offered');
    expect(r.view.value).toBe('invited');
    r.event(PARTNER, 'withdrawn');
    expect(r.view.value).toBe('idle');
    const other = make();
    other.fromStatus({ me: false, partner: true, done: false }, false, other.marker());
    expect(other.view.value).toBe('invited');
  });

  it('Not now hides the banner, the menu can still accept; a new offer shows it again', async () => {
    const r = make();
    r.event(PARTNER, 'offered');
    r.dismiss();
    expect(r.view.value).toBe('dismissed');
    // The status read after a reconnect keeps the dismissal of the same offer.
    r.fromStatus({ me: false, partner: true, done: false }, false, r.marker());
    expect(r.view.value).toBe('dismissed');
    r.event(PARTNER, 'withdrawn');
    r.event(PARTNER, 'offered');
    expect(r.view.value).toBe('invited');
    r.dismiss();
    await r.offer(); // accepting later, from the menu
    expect(api.offerReveal).toHaveBeenCalledOnce();
    r.event(ME, 'done');
    expect(r.view.value).toBe('done');
  });

  it('done from either side, from the publication or the status, stays done', async () => {
    const r = make();
    await r.offer();
    r.event(PARTNER, 'done');
    expect(r.view.value).toBe('done');
    r.fromStatus(none, false, r.marker()); // a stale answer cannot undo it
    r.event(PARTNER, 'withdrawn');
    expect(r.view.value).toBe('done');
    closed.value = true; // the chat ended: "Contacts exchanged" stays
    expect(r.view.value).toBe('done');
    const s = make();
    s.fromStatus({ me: true, partner: true, done: true }, false, 0);
    expect(s.view.value).toBe('done');
  });

  it('a status asked for before a publication does not undo it', () => {
    const r = make();
    const askedAt = r.marker();
    r.event(PARTNER, 'offered');
    r.fromStatus(none, false, askedAt);
    expect(r.view.value).toBe('invited');
    r.fromStatus(none, false, r.marker());
    expect(r.view.value).toBe('idle');
  });

  it('without a username: says how to set one and records nothing', async () => {
    api.offerReveal.mockRejectedValue(new ApiError(409, 'username_required', 'set a username'));
    const r = make();
    r.event(PARTNER, 'offered');
    await r.offer();
    expect(r.notice.value).toBe('username');
    expect(r.view.value).toBe('invited');
    r.dismissNotice();
    expect(r.notice.value).toBeNull();
  });

  it('need_username: agreed, but the username is gone: asks for one again', () => {
    const r = make();
    r.fromStatus({ me: true, partner: true, done: false, need_username: true }, false, r.marker());
    expect(r.view.value).toBe('need_username');
  });

  it('minors: nothing is offered; a refusal names the rule and hides it', async () => {
    const r = make(true);
    expect(r.view.value).toBe('hidden');
    await r.offer();
    expect(api.offerReveal).not.toHaveBeenCalled();

    api.offerReveal.mockRejectedValue(new ApiError(403, 'minors_not_allowed', 'no', { rule: 'reveal' }));
    const s = make();
    await s.offer();
    expect(s.notice.value).toBe('minors');
    expect(s.view.value).toBe('hidden');
    const t = make();
    t.fromStatus(none, true, t.marker());
    expect(t.view.value).toBe('hidden');
  });

  it('a closed room offers nothing; a refusal because it closed goes to the room', async () => {
    const onRoomError = vi.fn();
    api.offerReveal.mockRejectedValue(new ApiError(409, 'room_closed', 'closed'));
    const r = make(false, onRoomError);
    await r.offer();
    expect(onRoomError).toHaveBeenCalledOnce();
    expect(r.view.value).toBe('idle');
    closed.value = true;
    expect(r.view.value).toBe('hidden');
  });

  it('withdrawing after the partner completed it: already_revealed means done', async () => {
    api.withdrawReveal.mockRejectedValue(new ApiError(409, 'already_revealed', 'done'));
    const r = make();
    await r.offer();
    await r.withdraw();
    expect(r.view.value).toBe('done');
    expect(r.notice.value).toBeNull();
  });

  it('one tap at a time; other refusals say so', async () => {
    const d = deferred<void>();
    api.offerReveal.mockReturnValueOnce(d.promise).mockRejectedValueOnce(new ApiError(409, 'not_allowed', 'no'));
    const r = make();
    const first = r.offer();
    await r.offer();
    expect(api.offerReveal).toHaveBeenCalledOnce();
    d.resolve();
    await first;
    await r.withdraw();
    await r.offer();
    expect(r.notice.value).toBe('not_allowed');
    expect(r.view.value).toBe('idle');
    api.offerReveal.mockRejectedValueOnce(new ApiError(0, 'network', 'offline'));
    await r.offer();
    expect(r.notice.value).toBe('failed');
  });

  it.each([
    ['idle', 'share'],
    ['invited', 'accept'],
    ['dismissed', 'accept'],
    ['waiting', 'withdraw'],
    ['need_username', 'withdraw'],
    ['done', null],
    ['hidden', null],
  ] as const)('the menu for %s: %s', (view, want) => {
    expect(menuAction(view)).toBe(want);
  });

  it('act dispatches what the screen sends', async () => {
    const r = make();
    r.act('offer');
    await flush();
    expect(api.offerReveal).toHaveBeenCalledOnce();
    r.act('withdraw');
    await flush();
    expect(api.withdrawReveal).toHaveBeenCalledOnce();
    r.event(PARTNER, 'offered');
    r.act('dismiss');
    expect(r.view.value).toBe('dismissed');
  });
});
