import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import type { HistoryMessage, HistoryPage, SentMessage } from '../api/types';
import { deferred, emptyHistory, fakeApi, FakeRealtime, flush, roomInfo, testRoom, type FakeApi } from '../testing/fakes';
import {
  compareIds,
  HISTORY_AT_OPEN,
  OFFLINE_GRACE_MS,
  TYPING_SHOW_MS,
  OUTBOX_KEY_PREFIX,
  minorsRoom,
  useChat,
  type ChatItem,
  type ChatMessage,
  type ChatOptions,
} from './useChat';
import { RESEND_JITTER } from './chat/outbox';
import { memoryStore } from './roomMemory';
import { createMediaCache } from './chat/mediaCache';
import { PRESENCE_RECHECK_MS } from './chat/presence';

const me = testRoom.me;
const partner = 'm-partner';

function messages(items: ChatItem[]): ChatMessage[] {
  return items.filter((i): i is ChatMessage => i.kind === 'message');
}
function texts(items: ChatItem[]): string[] {
  return messages(items).map((m) => m.text);
}
function systemLines(items: ChatItem[]): string[] {
  return items.flatMap((i) => (i.kind === 'system' ? [i.text] : []));
}
const msg = (id: number, text = `m${id}`, from = partner): HistoryMessage => ({ id: String(id), from, text, ts: id });
const page = (ids: number[], hasMore = false, stream = { offset: 10, epoch: 'e1' }): HistoryPage => ({
  messages: ids.map((id) => msg(id)),
  has_more: hasMore,
  stream,
});
/** history serves a conversation of ids 1..n the way the API pages it. */
function history(n: number, stream = { offset: n, epoch: 'e1' }) {
  return async (_room: string, q: { before?: string; limit?: number } = {}): Promise<HistoryPage> => {
    const top = q.before === undefined ? n : Number(q.before) - 1;
    const limit = q.limit ?? 50;
    const from = Math.max(1, top - limit + 1);
    const ids = top < 1 ? [] : Array.from({ length: top - from + 1 }, (_, i) => from + i);
    return page(ids, from > 1, stream);
  };
}

describe('compareIds', () => {
  it.each([
    ['9', '10', -1],
    ['10', '9', 1],
    ['11', '11', 0],
    ['100', '99', 1],
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareIds(a, b))).toBe(sign);
  });
});

describe('useChat', () => {
  let api: FakeApi;
  let rt: FakeRealtime;
  let ids: number;
  const setup = async (over: Partial<ChatOptions> = {}) => {
    const onIncoming = vi.fn();
    const chat = useChat(testRoom, { api, realtime: rt, onIncoming, uuid: () => `c${++ids}`, ...over });
    await flush();
    return { chat, room: () => rt.room(testRoom.channel), onIncoming };
  };

  beforeEach(() => {
    api = fakeApi();
    rt = new FakeRealtime();
    rt.connect();
    ids = 0;
  });
  afterEach(() => vi.useRealTimers());

  describe('opening a room', () => {
    it('loads the conversation, then subscribes from the stream position the API returned', async () => {
      api.getMessages.mockResolvedValueOnce({
        messages: [msg(1, 'hi', partner), msg(2, 'hello', me)],
        has_more: false,
        stream: { offset: 7, epoch: 'ep' },
      });
      const { chat, onIncoming } = await setup();
      expect(api.getMessages).toHaveBeenCalledWith('r1', { limit: 100 });
      expect(rt.subscribes).toEqual([{ channel: 'room:r1', opts: { since: { offset: 7, epoch: 'ep' } } }]);
      expect(messages(chat.items.value).map((m) => [m.id, m.text, m.mine, m.status])).toEqual([
        ['1', 'hi', false, 'sent'],
        ['2', 'hello', true, 'sent'],
      ]);
      expect(chat.loading.value).toBe(false);
      expect(chat.hasOlder.value).toBe(false);
      expect(onIncoming).not.toHaveBeenCalled(); // history is not news
    });

    it('does not subscribe before the history answered', async () => {
      const h = deferred<HistoryPage>();
      api.getMessages.mockReturnValueOnce(h.promise);
      const { chat } = await setup();
      expect(chat.loading.value).toBe(true);
      expect(rt.subscribes).toHaveLength(0);
      h.resolve(emptyHistory);
      await flush();
      expect(rt.subscribes).toHaveLength(1);
    });

    it('a recovered publication that the history already had is shown once; what came later is added', async () => {
      api.getMessages.mockResolvedValueOnce(page([1, 2]));
      const { chat, room, onIncoming } = await setup();
      room().onSubscribed({ lostHistory: false });
      room().onEvent({ type: 'message', ...msg(2) });
      room().onEvent({ type: 'message', ...msg(3) });
      expect(texts(chat.items.value)).toEqual(['m1', 'm2', 'm3']);
      expect(onIncoming).toHaveBeenCalledOnce();
    });

    it('loads older pages by itself up to the open-time limit, then on request', async () => {
      api.getMessages.mockImplementation(history(HISTORY_AT_OPEN + 150));
      const { chat } = await setup();
      await flush();
      expect(messages(chat.items.value)).toHaveLength(HISTORY_AT_OPEN);
      expect(chat.hasOlder.value).toBe(true);
      await chat.loadOlder();
      await chat.loadOlder();
      const all = messages(chat.items.value).map((m) => Number(m.id));
      expect(all).toHaveLength(HISTORY_AT_OPEN + 150);
      expect(all).toEqual([...all].sort((a, b) => a - b));
      expect(chat.hasOlder.value).toBe(false);
      expect(api.getMessages).toHaveBeenLastCalledWith('r1', { before: '51', limit: 100 });
    });

    it('reads presence after subscribing: a partner who joined before us shows online, with "Partner joined"', async () => {
      // The match push reached us after the partner had subscribed: no join frame will ever come.
      api.getRoom.mockResolvedValue(roomInfo({ partner_online: true }));
      const { chat } = await setup();
      expect(api.getRoom).toHaveBeenCalledTimes(1);
      expect(chat.presence.value).toBe('online');
      expect(systemLines(chat.items.value)).toEqual(['partnerJoined']);
    });

    it('a partner not there yet shows offline without a line, then "Partner joined" on their join', async () => {
      api.getRoom.mockResolvedValue(roomInfo({ partner_online: false }));
      const { chat, room } = await setup();
      expect(chat.presence.value).toBe('offline');
      expect(systemLines(chat.items.value)).toEqual([]);
      room().onJoin(partner, 'c1');
      expect(chat.presence.value).toBe('online');
      expect(systemLines(chat.items.value)).toEqual(['partnerJoined']);
    });

    it('a join that came after the status was asked for wins over the status', async () => {
      const info = deferred<ReturnType<typeof roomInfo>>();
      api.getRoom.mockReturnValueOnce(info.promise);
      const { chat, room } = await setup();
      room().onJoin(partner, 'c1');
      info.resolve(roomInfo({ partner_online: false }));
      await flush();
      expect(chat.partnerOnline.value).toBe(true);
    });

    it('says "unknown" while its own connection is down, and re-reads presence when it is back', async () => {
      api.getRoom.mockResolvedValue(roomInfo({ partner_online: true }));
      const { chat, room } = await setup();
      expect(chat.presence.value).toBe('online');
      rt.setState('connecting');
      expect(chat.presence.value).toBe('unknown');
      api.getRoom.mockResolvedValue(roomInfo({ partner_online: false }));
      rt.setState('connected');
      room().onSubscribed({ lostHistory: false });
      await flush();
      expect(chat.presence.value).toBe('offline');
      expect(systemLines(chat.items.value)).toEqual(['partnerJoined', 'partnerOffline']);
    });

    it('a message from a partner nobody saw join counts as online, confirmed by the status later', async () => {
      vi.useFakeTimers();
      api.getRoom.mockResolvedValue(roomInfo({ partner_online: false }));
      const chat = useChat(testRoom, { api, realtime: rt });
      await vi.advanceTimersByTimeAsync(0);
      expect(chat.presence.value).toBe('offline');
      rt.room(testRoom.channel).onEvent({ type: 'message', ...msg(1, 'hi') });
      expect(chat.presence.value).toBe('online');
      expect(systemLines(chat.items.value)).toEqual([]); // the message says it; no "joined" on top
      api.getRoom.mockResolvedValue(roomInfo({ partner_online: true }));
      await vi.advanceTimersByTimeAsync(PRESENCE_RECHECK_MS + 10);
      expect(api.getRoom).toHaveBeenCalledTimes(2);
      expect(chat.presence.value).toBe('online');
      chat.dispose();
    });

    it('a room found closed shows who ended it after the messages and stops listening', async () => {
      api.getMessages.mockResolvedValueOnce(page([1]));
      api.getRoom.mockResolvedValueOnce(roomInfo({ state: 'closed', closed_by: 'partner', partner_online: false }));
      const onClosed = vi.fn();
      const { chat } = await setup({ onClosed });
      expect(chat.closed.value).toBe(true);
      expect(chat.items.value.map((i) => (i.kind === 'system' ? i.text : i.text))).toEqual(['m1', 'partnerLeft']);
      expect(rt.closed).toEqual(['room:r1']);
      expect(onClosed).toHaveBeenCalledOnce();
      expect(chat.send('late')).toBe(false);
    });

    it('a refused subscription (the room closed before we got in) re-reads the room and shows it closed', async () => {
      api.getMessages.mockResolvedValueOnce(page([1]));
      const { chat, room } = await setup();
      expect(chat.closed.value).toBe(false);
      api.getRoom.mockResolvedValueOnce(roomInfo({ state: 'closed', closed_by: 'partner', partner_online: false }));
      room().onRefused();
      await flush();
      expect(chat.closed.value).toBe(true);
      expect(systemLines(chat.items.value)).toContain('partnerLeft');
    });

    it('a room the partner cleared opens empty, closed, saying the conversation was deleted', async () => {
      api.getMessages.mockResolvedValueOnce(emptyHistory);
      const info = roomInfo({ state: 'closed', closed_by: 'partner', partner_online: false, cleared: true });
      const { chat } = await setup({ mode: 'readonly', info });
      expect(systemLines(chat.items.value)).toEqual(['conversationCleared', 'partnerLeft']);
      expect(chat.closed.value).toBe(true);
    });

    it('read-only: a closed room is loaded but never subscribed', async () => {
      api.getMessages.mockResolvedValueOnce(page([1, 2]));
      const info = roomInfo({ state: 'closed', closed_by: 'me', partner_online: false });
      const { chat } = await setup({ mode: 'readonly', info });
      expect(rt.subscribes).toHaveLength(0);
      expect(api.getRoom).not.toHaveBeenCalled();
      expect(texts(chat.items.value)).toEqual(['m1', 'm2']);
      expect(systemLines(chat.items.value)).toEqual(['youLeft']);
      expect(chat.closed.value).toBe(true);
      expect(chat.partnerOnline.value).toBe(false);
    });

    it('a room that is gone (404) says so through onGone', async () => {
      api.getMessages.mockRejectedValueOnce(new ApiError(404, 'not_found', 'gone'));
      const onGone = vi.fn();
      const { chat } = await setup({ onGone });
      expect(chat.gone.value).toBe(true);
      expect(onGone).toHaveBeenCalledOnce();
      expect(rt.subscribes).toHaveLength(0);
    });

    it('when the history fails it goes live at once and fills the conversation in when the API answers', async () => {
      vi.useFakeTimers();
      api.getMessages.mockRejectedValueOnce(new ApiError(0, 'network', 'down'));
      api.getMessages.mockRejectedValueOnce(new ApiError(503, 'unavailable', 'down'));
      const chat = useChat(testRoom, { api, realtime: rt });
      await vi.advanceTimersByTimeAsync(0);
      expect(rt.subscribes).toEqual([{ channel: 'room:r1', opts: {} }]);
      rt.room('room:r1').onEvent({ type: 'message', ...msg(3) });
      api.getMessages.mockResolvedValue(page([1, 2, 3]));
      await vi.advanceTimersByTimeAsync(1000);
      expect(texts(chat.items.value)).toEqual(['m1', 'm2', 'm3']);
      expect(chat.hasOlder.value).toBe(false);
      chat.dispose();
    });
  });

  describe('failed recovery', () => {
    it('reloads from the API what the channel could not recover: no gap, no duplicate', async () => {
      api.getMessages.mockResolvedValueOnce(page([1, 2]));
      const { chat, room } = await setup();
      room().onEvent({ type: 'message', ...msg(3) });
      // Reconnected after missing 4–6; meanwhile 7 arrived live.
      api.getMessages.mockResolvedValueOnce(page([3, 4, 5, 6, 7], true));
      room().onSubscribed({ lostHistory: true });
      room().onEvent({ type: 'message', ...msg(7) });
      await flush();
      expect(texts(chat.items.value)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
      expect(api.getMessages).toHaveBeenLastCalledWith('r1', { limit: 100 });
      expect(api.getRoom).toHaveBeenCalledTimes(2); // the reload re-reads the room too
      expect(systemLines(chat.items.value)).toEqual([]); // no "may be missing" notice (and the partner had written: no "joined")
    });

    it('pages back until it reaches a message it already shows', async () => {
      api.getMessages.mockImplementationOnce(history(2));
      const { chat, room } = await setup();
      api.getMessages.mockImplementation(history(250));
      room().onSubscribed({ lostHistory: true }); // e.g. a new epoch after a Centrifugo restart
      await flush();
      expect(messages(chat.items.value)).toHaveLength(250);
      expect(api.getMessages.mock.calls.slice(1).map((c) => c[1])).toEqual([
        { limit: 100 },
        { before: '151', limit: 100 },
        { before: '51', limit: 100 },
      ]);
    });

    it('a partner who left during the gap shows as left after the reload', async () => {
      const { chat, room } = await setup();
      api.getMessages.mockResolvedValueOnce(page([1]));
      api.getRoom.mockResolvedValueOnce(roomInfo({ state: 'closed', closed_by: 'partner' }));
      room().onSubscribed({ lostHistory: true });
      await flush();
      expect(chat.items.value.map((i) => i.text)).toEqual(['partnerJoined', 'm1', 'partnerLeft']);
      expect(chat.closed.value).toBe(true);
    });

    it('a resubscribe that recovered re-reads presence, since join and leave are not recovered', async () => {
      const { chat, room } = await setup();
      expect(api.getRoom).toHaveBeenCalledTimes(1); // after the first subscribe
      api.getRoom.mockResolvedValueOnce(roomInfo({ partner_online: false }));
      room().onSubscribed({ lostHistory: false });
      await flush();
      expect(api.getRoom).toHaveBeenCalledTimes(2);
      expect(chat.partnerOnline.value).toBe(false);
      expect(api.getMessages).toHaveBeenCalledTimes(1);
    });
  });

  describe('sending', () => {
    it('shows an own message once when its publication arrives before the POST answer', async () => {
      const post = deferred<SentMessage>();
      api.sendMessage.mockReturnValue(post.promise);
      const { chat, room } = await setup();

      expect(chat.send('  hello  ')).toBe(true);
      expect(api.sendMessage).toHaveBeenCalledWith('r1', { text: 'hello', client_msg_id: 'c1' });
      expect(messages(chat.items.value)).toMatchObject([{ status: 'pending', text: 'hello', mine: true, id: null }]);

      room().onEvent({ type: 'message', id: '7', from: me, text: 'hello', ts: 10, client_msg_id: 'c1' });
      expect(messages(chat.items.value)).toMatchObject([{ status: 'sent', id: '7' }]);

      post.resolve({ id: '7', ts: 10 });
      await flush();
      expect(messages(chat.items.value)).toMatchObject([{ status: 'sent', id: '7', clientMsgId: 'c1' }]);
    });

    it('an older server without client_msg_id in publications still ends with one bubble', async () => {
      const post = deferred<SentMessage>();
      api.sendMessage.mockReturnValue(post.promise);
      const { chat, room } = await setup();
      chat.send('hello');
      room().onEvent({ type: 'message', id: '7', from: me, text: 'hello', ts: 10 });
      post.resolve({ id: '7', ts: 10 });
      await flush();
      expect(messages(chat.items.value)).toMatchObject([{ status: 'sent', id: '7' }]);
    });

    it('drops an own publication that arrives after the POST answer', async () => {
      api.sendMessage.mockResolvedValue({ id: '8', ts: 10 });
      const { chat, room } = await setup();
      chat.send('x');
      await flush();
      room().onEvent({ type: 'message', id: '8', from: me, text: 'x', ts: 10, client_msg_id: 'c1' });
      expect(messages(chat.items.value)).toHaveLength(1);
    });

    it('keeps messages in id order when a partner message overtook an own one', async () => {
      const post = deferred<SentMessage>();
      api.sendMessage.mockReturnValue(post.promise);
      const { chat, room } = await setup();
      chat.send('mine');
      room().onEvent({ type: 'message', ...msg(5, 'theirs') });
      expect(texts(chat.items.value)).toEqual(['theirs', 'mine']); // unstored own messages stay last
      post.resolve({ id: '6', ts: 6 });
      await flush();
      expect(texts(chat.items.value)).toEqual(['theirs', 'mine']);
    });

    it('a 503 that had in fact stored the message: the history copy with its client_msg_id is the same bubble', async () => {
      vi.useFakeTimers();
      api.sendMessage.mockRejectedValueOnce(new ApiError(503, 'unavailable', 'busy', { retryAfter: 5 }));
      const chat = useChat(testRoom, { api, realtime: rt, uuid: () => 'c1' });
      await vi.advanceTimersByTimeAsync(0);
      chat.send('maybe');
      await vi.advanceTimersByTimeAsync(0);
      expect(messages(chat.items.value)).toMatchObject([{ status: 'pending' }]);
      // A failed recovery re-reads the history, which has the stored copy.
      api.getMessages.mockResolvedValue({ ...emptyHistory, messages: [{ ...msg(11, 'maybe', me), client_msg_id: 'c1' }] });
      rt.room(testRoom.channel).onSubscribed({ lostHistory: true });
      await vi.advanceTimersByTimeAsync(0);
      expect(messages(chat.items.value)).toMatchObject([{ id: '11', status: 'sent', text: 'maybe' }]);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(api.sendMessage).toHaveBeenCalledTimes(1); // stored: not sent again
      expect(messages(chat.items.value)).toHaveLength(1);
      chat.dispose();
    });

    it('a refused link goes back to the composer with how many messages are left, not a failed bubble', async () => {
      api.sendMessage.mockRejectedValueOnce(
        new ApiError(422, 'link_not_allowed_yet', 'later', { remaining: { me: 2, partner: 3 } }),
      );
      const { chat } = await setup();
      chat.send('see https://example.com');
      await flush();
      expect(messages(chat.items.value)).toEqual([]);
      expect(chat.linkRefusal.value).toEqual({ text: 'see https://example.com', remaining: { me: 2, partner: 3 } });
      expect(chat.closed.value).toBe(false);
    });

    it('a definitive refusal shows "Not sent"; Retry sends it again with the same client_msg_id', async () => {
      api.sendMessage.mockRejectedValueOnce(new ApiError(422, 'invalid_field', 'bad', { field: 'reply_to' }));
      const { chat } = await setup();
      chat.send('retry me');
      await flush();
      const [failed] = messages(chat.items.value);
      expect(failed).toMatchObject({ status: 'failed', clientMsgId: 'c1', failure: 'refused' });
      api.sendMessage.mockResolvedValueOnce({ id: '9', ts: 2 });
      chat.retry(failed!.key);
      expect(messages(chat.items.value)[0]!.status).toBe('pending');
      await flush();
      expect(api.sendMessage.mock.calls.map((c) => c[1].client_msg_id)).toEqual(['c1', 'c1']);
      expect(messages(chat.items.value)).toMatchObject([{ status: 'sent', id: '9', text: 'retry me' }]);
    });

    it('replies carry reply_to; only a shown message can be quoted', async () => {
      api.getMessages.mockResolvedValueOnce(page([3]));
      api.sendMessage.mockResolvedValue({ id: '4', ts: 4 });
      const { chat } = await setup();
      chat.reply('99');
      expect(chat.replyTo.value).toBeNull();
      chat.reply('3');
      expect(chat.replyTo.value).toBe('3');
      chat.send('yes');
      expect(api.sendMessage).toHaveBeenCalledWith('r1', { text: 'yes', client_msg_id: 'c1', reply_to: '3' });
      expect(chat.replyTo.value).toBeNull();
      await flush();
      expect(messages(chat.items.value)[1]).toMatchObject({ id: '4', replyTo: '3' });
    });

    it('does not send blank text, and nothing after the room closed', async () => {
      api.sendMessage.mockRejectedValue(new ApiError(409, 'room_closed', 'closed'));
      const { chat } = await setup();
      expect(chat.send('   ')).toBe(false);
      api.getRoom.mockResolvedValueOnce(roomInfo({ state: 'closed', closed_by: 'system' }));
      chat.send('late');
      await flush();
      expect(chat.closed.value).toBe(true);
      expect(systemLines(chat.items.value)).toEqual(['partnerJoined', 'chatClosed']);
      expect(messages(chat.items.value)).toMatchObject([{ status: 'failed' }]);
      expect(chat.send('again')).toBe(false);
    });
  });

  describe('offline queue', () => {
    it('messages written offline stay pending and go out in order, once each, when the connection is back', async () => {
      vi.useFakeTimers();
      const chat = useChat(testRoom, { api, realtime: rt, uuid: () => `c${++ids}`, random: () => 0 });
      await vi.advanceTimersByTimeAsync(0);
      rt.setState('connecting');
      api.sendMessage.mockRejectedValue(new ApiError(0, 'network', 'Failed to fetch'));
      chat.send('one');
      chat.send('two');
      await vi.advanceTimersByTimeAsync(7000); // backoff 1 s, 2 s, 4 s: the head only, never the second
      expect(api.sendMessage.mock.calls.every((c) => c[1].client_msg_id === 'c1')).toBe(true);
      expect(messages(chat.items.value).map((m) => m.status)).toEqual(['pending', 'pending']);

      let n = 20;
      api.sendMessage.mockImplementation(async () => ({ id: String(++n), ts: n }));
      rt.setState('connected'); // cuts the backoff short
      await vi.advanceTimersByTimeAsync(0);
      const sent = api.sendMessage.mock.calls.slice(-2).map((c) => c[1]);
      expect(sent).toEqual([
        { text: 'one', client_msg_id: 'c1' },
        { text: 'two', client_msg_id: 'c2' },
      ]);
      expect(messages(chat.items.value)).toMatchObject([
        { text: 'one', id: '21', status: 'sent' },
        { text: 'two', id: '22', status: 'sent' },
      ]);
      chat.dispose();
    });

    it.each([
      ['503 unavailable', new ApiError(503, 'unavailable', 'shed', { retryAfter: 3 })],
      ['429 rate_limited', new ApiError(429, 'rate_limited', 'slow', { retryAfter: 3 })],
    ])('%s: honours Retry-After (plus jitter), even through a reconnect, and resends the same client_msg_id', async (_, err) => {
      vi.useFakeTimers();
      api.sendMessage.mockRejectedValueOnce(err).mockResolvedValueOnce({ id: '4', ts: 4 });
      const chat = useChat(testRoom, { api, realtime: rt, uuid: () => 'cx', random: () => 0.5 });
      await vi.advanceTimersByTimeAsync(0);
      chat.send('fast');
      await vi.advanceTimersByTimeAsync(0);
      rt.setState('connecting');
      rt.setState('connected');
      await vi.advanceTimersByTimeAsync(3000);
      expect(api.sendMessage).toHaveBeenCalledTimes(1);
      expect(messages(chat.items.value)).toMatchObject([{ status: 'pending' }]);
      await vi.advanceTimersByTimeAsync(3000 * RESEND_JITTER * 0.5 + 10);
      expect(api.sendMessage.mock.calls.map((c) => c[1].client_msg_id)).toEqual(['cx', 'cx']);
      expect(messages(chat.items.value)).toMatchObject([{ status: 'sent', id: '4' }]);
      chat.dispose();
    });
  });

  it('keeps unsent messages across a relaunch and sends them when the room opens again', async () => {
    const store = memoryStore();
    api.sendMessage.mockRejectedValue(new ApiError(0, 'network', 'offline'));
    const first = useChat(testRoom, { api, realtime: rt, uuid: () => `c${++ids}`, outboxStore: store });
    await flush();
    first.send('written offline');
    first.reply(null);
    await flush();
    expect(JSON.parse(store.data.get(OUTBOX_KEY_PREFIX + 'r1')!)).toMatchObject([{ client_msg_id: 'c1', text: 'written offline' }]);
    first.dispose(); // the app closes

    api.sendMessage.mockReset();
    api.sendMessage.mockResolvedValue({ id: '5', ts: 5 });
    const again = useChat(testRoom, { api, realtime: rt, uuid: () => `c${++ids}`, outboxStore: store });
    await flush();
    expect(api.sendMessage).toHaveBeenCalledWith('r1', { text: 'written offline', client_msg_id: 'c1' });
    expect(messages(again.items.value)).toMatchObject([{ id: '5', status: 'sent', text: 'written offline' }]);
    expect(store.data.has(OUTBOX_KEY_PREFIX + 'r1')).toBe(false);
    again.dispose();
  });

  it('a kept message the history already has (by client_msg_id) is not sent again', async () => {
    const store = memoryStore();
    store.data.set(OUTBOX_KEY_PREFIX + 'r1', JSON.stringify([{ client_msg_id: 'c9', text: 'made it', reply_to: null, ts: 1 }]));
    api.getMessages.mockResolvedValueOnce({ ...emptyHistory, messages: [{ ...msg(3, 'made it', me), client_msg_id: 'c9' }] });
    const chat = useChat(testRoom, { api, realtime: rt, outboxStore: store });
    await flush();
    expect(api.sendMessage).not.toHaveBeenCalled();
    expect(messages(chat.items.value)).toHaveLength(1);
    expect(store.data.has(OUTBOX_KEY_PREFIX + 'r1')).toBe(false);
    chat.dispose();
  });


  describe('photos and voice messages', () => {
    const prepared = { blob: new Blob([new Uint8Array(7)], { type: 'image/jpeg' }), width: 800, height: 1600 };
    const mediaOpts = (over: Partial<ChatOptions> = {}): Partial<ChatOptions> => ({
      preparePhoto: vi.fn(async () => prepared),
      cache: createMediaCache({ api, createUrl: () => 'blob:x', revokeUrl: () => {} }),
      ...over,
    });

    it('a photo with a caption: prepared, uploaded, then sent as a spoiler with its media id; the sender sees it at once', async () => {
      api.uploadMedia.mockResolvedValue({ media_id: 'md1', kind: 'photo', width: 800, height: 1600 });
      api.sendMessage.mockResolvedValue({ id: '9', ts: 9 });
      const { chat } = await setup(mediaOpts());
      const file = new Blob(['raw camera bytes']);
      chat.media({ type: 'attach', file });
      expect(chat.attachment.value).toMatchObject({ file, spoiler: true });
      expect(chat.send('  look  ')).toBe(true);
      expect(chat.attachment.value).toBeNull();
      const shown = messages(chat.items.value)[0]!;
      expect(shown).toMatchObject({ mine: true, text: 'look', status: 'pending', media: { kind: 'photo', id: null, spoiler: true } });
      await flush();
      expect(api.uploadMedia).toHaveBeenCalledWith('r1', prepared.blob, expect.objectContaining({ contentType: 'image/jpeg' }));
      expect(api.sendMessage).toHaveBeenCalledWith('r1', { text: 'look', client_msg_id: 'c1', media_id: 'md1', spoiler: true });
      expect(messages(chat.items.value)).toMatchObject([{ id: '9', status: 'sent', media: { id: 'md1', width: 800, height: 1600 }, upload: null }]);
      expect(api.getMedia).not.toHaveBeenCalled(); // the sender's own bytes are shown
    });

    it('the sender can untick the spoiler; the publication of the stored photo is the same bubble', async () => {
      api.uploadMedia.mockResolvedValue({ media_id: 'md2', kind: 'photo', width: 10, height: 10 });
      const posted = deferred<{ id: string; ts: number }>();
      api.sendMessage.mockReturnValue(posted.promise);
      const { chat, room } = await setup(mediaOpts());
      chat.media({ type: 'attach', file: new Blob(['x']) });
      chat.media({ type: 'spoiler', on: false });
      chat.send('');
      await flush();
      expect(api.sendMessage).toHaveBeenCalledWith('r1', { text: '', client_msg_id: 'c1', media_id: 'md2', spoiler: false });
      room().onEvent({ type: 'message', id: '4', from: me, text: '', ts: 4, client_msg_id: 'c1', media: { id: 'md2', kind: 'photo', width: 10, height: 10, spoiler: false } });
      posted.resolve({ id: '4', ts: 4 });
      await flush();
      expect(messages(chat.items.value)).toHaveLength(1);
    });

    it('a recording is uploaded as recorded and sent without a caption', async () => {
      api.uploadMedia.mockResolvedValue({ media_id: 'md3', kind: 'voice', duration_ms: 2200 });
      api.sendMessage.mockResolvedValue({ id: '5', ts: 5 });
      const { chat } = await setup(mediaOpts());
      const blob = new Blob([new Uint8Array(3)], { type: 'audio/webm;codecs=opus' });
      expect(chat.sendVoice({ blob, durationMs: 2150, mimeType: 'audio/webm;codecs=opus' })).toBe(true);
      expect(messages(chat.items.value)[0]!.media).toMatchObject({ kind: 'voice', durationMs: 2150 });
      await flush();
      expect(api.uploadMedia).toHaveBeenCalledWith('r1', blob, expect.objectContaining({ contentType: 'audio/webm;codecs=opus' }));
      expect(api.sendMessage).toHaveBeenCalledWith('r1', { text: '', client_msg_id: 'c1', media_id: 'md3', spoiler: false });
      expect(messages(chat.items.value)[0]!.media!.durationMs).toBe(2200);
    });

    it('media before the room allows it: no bubble, and the composer says how many messages are left', async () => {
      api.uploadMedia.mockRejectedValue(new ApiError(422, 'media_not_allowed_yet', 'later', { remaining: { me: 2, partner: 2 } }));
      const { chat } = await setup(mediaOpts());
      chat.media({ type: 'attach', file: new Blob(['x']) });
      chat.send('');
      await flush();
      expect(messages(chat.items.value)).toEqual([]);
      expect(chat.mediaRefusal.value).toEqual({ remaining: { me: 2, partner: 2 } });
      api.sendMessage.mockResolvedValue({ id: '1', ts: 1 });
      chat.send('ok then');
      expect(chat.mediaRefusal.value).toBeNull();
    });

    it('a refused file says why and can be deleted; Retry of a generic refusal uploads it again', async () => {
      api.uploadMedia.mockRejectedValueOnce(new ApiError(413, 'body_too_large', 'big'));
      const { chat } = await setup(mediaOpts());
      chat.media({ type: 'attach', file: new Blob(['x']) });
      chat.send('');
      await flush();
      const [failed] = messages(chat.items.value);
      expect(failed).toMatchObject({ status: 'failed', failure: 'too_large' });
      chat.media({ type: 'discard', key: failed!.key });
      expect(messages(chat.items.value)).toEqual([]);

      api.uploadMedia.mockRejectedValueOnce(new ApiError(422, 'invalid_field', 'x'));
      chat.sendVoice({ blob: new Blob(['v']), durationMs: 1000, mimeType: 'audio/ogg;codecs=opus' });
      await flush();
      const [voice] = messages(chat.items.value);
      expect(voice).toMatchObject({ status: 'failed', failure: 'refused' });
      api.uploadMedia.mockResolvedValueOnce({ media_id: 'md5', kind: 'voice', duration_ms: 1000 });
      api.sendMessage.mockResolvedValue({ id: '6', ts: 6 });
      chat.retry(voice!.key);
      await flush();
      expect(api.uploadMedia).toHaveBeenCalledTimes(3);
      expect(messages(chat.items.value)).toMatchObject([{ id: '6', status: 'sent' }]);
    });

    it('a text refused as minors_not_allowed (a minor’s link) is "Not sent", not a line about photos', async () => {
      api.sendMessage.mockRejectedValueOnce(new ApiError(403, 'minors_not_allowed', 'links: not available to users under 18'));
      const { chat } = await setup();
      chat.send('see https://example.com');
      await flush();
      expect(messages(chat.items.value)).toMatchObject([{ status: 'failed', failure: 'refused' }]);
    });

    it('a media message refused when sent (minors) says so', async () => {
      api.uploadMedia.mockResolvedValue({ media_id: 'md1', kind: 'photo', width: 1, height: 1 });
      api.sendMessage.mockRejectedValueOnce(new ApiError(403, 'minors_not_allowed', 'no'));
      const { chat } = await setup(mediaOpts());
      chat.media({ type: 'attach', file: new Blob(['x']) });
      chat.send('');
      await flush();
      expect(messages(chat.items.value)).toMatchObject([{ status: 'failed', failure: 'minors' }]);
    });

    it('in a room of minors (the partner’s age, or one’s own) nothing can be attached or recorded', async () => {
      const kid = { ...testRoom, partner: { ...testRoom.partner, age: 16 } };
      const rec = { getUserMedia: vi.fn(), createRecorder: vi.fn(), isTypeSupported: () => true };
      const chat = useChat(kid, { api, realtime: rt, ...mediaOpts(), recorderEnv: rec });
      await flush();
      expect([chat.mediaAllowed, chat.canRecord]).toEqual([false, false]);
      chat.media({ type: 'attach', file: new Blob(['x']) });
      expect(chat.attachment.value).toBeNull();
      chat.media({ type: 'record-start' });
      expect(rec.getUserMedia).not.toHaveBeenCalled();
      expect(chat.sendVoice({ blob: new Blob(['v']), durationMs: 1000, mimeType: 'audio/mp4' })).toBe(false);
      expect(api.uploadMedia).not.toHaveBeenCalled();
      chat.dispose();
      expect(minorsRoom(30, 17)).toBe(true);
      expect(minorsRoom(30, 30)).toBe(false);
      expect(minorsRoom(17, undefined)).toBe(true);
      // An adult room where the platform records.
      const adult = useChat(testRoom, { api, realtime: rt, ...mediaOpts(), recorderEnv: rec, myAge: 30 });
      expect([adult.mediaAllowed, adult.canRecord]).toEqual([true, true]);
      adult.dispose();
    });

    it('a partner’s spoiler stays hidden until revealed; a photo opens full screen only once shown', async () => {
      api.getMessages.mockResolvedValueOnce({
        ...emptyHistory,
        messages: [{ ...msg(1, ''), media: { id: 'md1', kind: 'photo', width: 8, height: 6, spoiler: true } }],
      });
      const { chat } = await setup(mediaOpts());
      const [m] = messages(chat.items.value);
      expect(chat.spoilerHidden(m!)).toBe(true);
      chat.media({ type: 'open', key: m!.key });
      expect(chat.viewing.value).toBeNull();
      chat.media({ type: 'reveal', id: '1' });
      expect(chat.spoilerHidden(m!)).toBe(false);
      chat.media({ type: 'open', key: m!.key });
      expect(chat.viewing.value).toBe(m!.key);
      chat.media({ type: 'close' });
      expect(chat.viewing.value).toBeNull();
    });

    it('an uploaded photo whose message is still unsent is kept across a relaunch (an upload not stored yet is not)', async () => {
      const store = memoryStore();
      api.uploadMedia.mockResolvedValueOnce({ media_id: 'md7', kind: 'photo', width: 4, height: 3 });
      api.sendMessage.mockRejectedValue(new ApiError(0, 'network', 'offline'));
      const first = useChat(testRoom, { api, realtime: rt, uuid: () => `c${++ids}`, outboxStore: store, ...mediaOpts() });
      await flush();
      first.media({ type: 'attach', file: new Blob(['x']) });
      first.send('kept');
      api.uploadMedia.mockReturnValueOnce(new Promise(() => {})); // a voice message still going up
      first.sendVoice({ blob: new Blob(['v']), durationMs: 900, mimeType: 'audio/mp4' });
      await flush();
      expect(JSON.parse(store.data.get(OUTBOX_KEY_PREFIX + 'r1')!)).toEqual([
        { client_msg_id: 'c1', text: 'kept', reply_to: null, ts: expect.any(Number), media: { id: 'md7', kind: 'photo', width: 4, height: 3, spoiler: true } },
      ]);
      first.dispose();

      api.sendMessage.mockReset();
      api.sendMessage.mockResolvedValue({ id: '8', ts: 8 });
      const again = useChat(testRoom, { api, realtime: rt, uuid: () => `c${++ids}`, outboxStore: store, ...mediaOpts() });
      await flush();
      expect(api.sendMessage).toHaveBeenCalledWith('r1', { text: 'kept', client_msg_id: 'c1', media_id: 'md7', spoiler: true });
      expect(messages(again.items.value)).toMatchObject([{ id: '8', media: { id: 'md7', kind: 'photo' } }]);
      again.dispose();
    });
  });

  describe('read markers', () => {
    it('posts the newest partner message on screen, once, never below the server', async () => {
      api.getMessages.mockResolvedValueOnce(page([1, 2, 3]));
      api.getRoom.mockResolvedValue(roomInfo({ read: { me: '2', partner: '' } }));
      const { chat } = await setup();
      chat.seen('1');
      chat.seen('2');
      expect(api.markRead).not.toHaveBeenCalled();
      chat.seen('3');
      chat.seen('3');
      await flush();
      expect(api.markRead.mock.calls).toEqual([['r1', '3']]);
    });

    it('own messages up to the partner marker count as read, from the status and from read publications', async () => {
      api.getMessages.mockResolvedValueOnce({ ...emptyHistory, messages: [msg(1, 'a', me), msg(2, 'b', me), msg(3, 'c', me)] });
      api.getRoom.mockResolvedValue(roomInfo({ read: { me: '', partner: '1' } }));
      const { chat, room } = await setup();
      expect(chat.partnerRead.value).toBe('1');
      room().onEvent({ type: 'read', from: partner, up_to: '3' });
      expect(chat.partnerRead.value).toBe('3');
      room().onEvent({ type: 'read', from: partner, up_to: '2' }); // late, lower: ignored
      room().onEvent({ type: 'read', from: me, up_to: '9' }); // our own marker from another tab
      expect(chat.partnerRead.value).toBe('3');
    });
  });

  it('says "older messages are no longer kept" when the history was truncated', async () => {
    api.getMessages.mockResolvedValueOnce({ ...page([5, 6]), truncated: true });
    const { chat } = await setup();
    expect(chat.truncated.value).toBe(true);
    expect(chat.hasOlder.value).toBe(false);
  });

  it('throttles typing notifications and shows the partner typing for a while', async () => {
    const { chat, room } = await setup();
    vi.useFakeTimers();
    chat.typing();
    chat.typing();
    vi.advanceTimersByTime(1000);
    chat.typing();
    expect(api.sendTyping).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1600);
    chat.typing();
    expect(api.sendTyping).toHaveBeenCalledTimes(2);

    room().onEvent({ type: 'typing', from: me });
    expect(chat.partnerTyping.value).toBe(false);
    room().onEvent({ type: 'typing', from: partner });
    expect(chat.partnerTyping.value).toBe(true);
    vi.advanceTimersByTime(TYPING_SHOW_MS + 1);
    expect(chat.partnerTyping.value).toBe(false);

    room().onEvent({ type: 'typing', from: partner });
    room().onEvent({ type: 'message', ...msg(1, 'done') });
    expect(chat.partnerTyping.value).toBe(false);
  });

  it('tells partner joins and leaves apart from its own, and a left publication closes the chat', async () => {
    api.getRoom.mockResolvedValueOnce(roomInfo({ partner_online: false })); // matched before the partner opened the room
    const onClosed = vi.fn();
    const { chat, room } = await setup({ onClosed });
    vi.useFakeTimers();
    room().onJoin(me, 'c-me');
    room().onJoin(partner, 'c1');
    expect(systemLines(chat.items.value)).toEqual(['partnerJoined']);

    room().onLeave(partner, 'c1'); // a short network blip says nothing
    vi.advanceTimersByTime(OFFLINE_GRACE_MS - 1000);
    room().onJoin(partner, 'c2');
    vi.advanceTimersByTime(OFFLINE_GRACE_MS);
    expect(systemLines(chat.items.value)).toEqual(['partnerJoined']);

    room().onLeave(partner, 'c2');
    expect(chat.partnerOnline.value).toBe(true); // a few seconds' grace: a reconnecting partner does not flicker
    vi.advanceTimersByTime(OFFLINE_GRACE_MS);
    expect(chat.partnerOnline.value).toBe(false);
    room().onJoin(partner, 'c3');
    expect(systemLines(chat.items.value).slice(1)).toEqual(['partnerOffline', 'partnerBack']);
    expect(chat.partnerOnline.value).toBe(true);

    room().onEvent({ type: 'left', from: me });
    expect(chat.closed.value).toBe(false);
    const handlers = room();
    handlers.onEvent({ type: 'left', from: partner });
    handlers.onLeave(partner, 'c3');
    handlers.onEvent({ type: 'left', from: partner });
    vi.advanceTimersByTime(OFFLINE_GRACE_MS);
    expect(systemLines(chat.items.value).filter((l) => l === 'partnerLeft')).toHaveLength(1);
    expect(chat.closed.value).toBe(true);
    expect(chat.partnerLeft.value).toBe(true);
    expect(chat.closedBy.value).toBe('partner');
    expect(rt.closed).toEqual(['room:r1']);
    expect(onClosed).toHaveBeenCalledOnce();
  });

  it('stays online when the old connection of a reconnected partner leaves after the new one joined', async () => {
    api.getRoom.mockResolvedValueOnce(roomInfo({ partner_online: false }));
    const { chat, room } = await setup();
    vi.useFakeTimers();
    room().onJoin(partner, 'old');
    room().onJoin(partner, 'new');
    room().onLeave(partner, 'old');
    vi.advanceTimersByTime(OFFLINE_GRACE_MS * 2);
    expect(chat.partnerOnline.value).toBe(true);
    expect(systemLines(chat.items.value)).toEqual(['partnerJoined']);
  });

  describe('ending the room', () => {
    it('leave posts to the API, closes the subscription and survives an API failure', async () => {
      api.leaveRoom.mockRejectedValue(new ApiError(0, 'network', 'offline'));
      const { chat } = await setup();
      expect(await chat.leave()).toBe(false);
      expect(api.leaveRoom).toHaveBeenCalledWith('r1');
      expect(rt.closed).toEqual(['room:r1']);
      expect(chat.closed.value).toBe(true);
    });

    it('leave and block asks the server to keep the two apart', async () => {
      const { chat } = await setup();
      expect(await chat.leave({ block: true })).toBe(true);
      expect(api.leaveRoom).toHaveBeenCalledWith('r1', { block: true });
    });

    it.each([
      [{ reason: 'spam' as const, comment: '  buy stuff  ' }, { reason: 'spam', comment: 'buy stuff' }],
      [{ reason: 'minor' as const, comment: '   ' }, { reason: 'minor' }],
      [{ reason: 'other' as const }, { reason: 'other' }],
    ])('report %j sends %j and ends the room', async (input, body) => {
      const { chat } = await setup();
      await chat.report(input);
      expect(api.reportRoom).toHaveBeenCalledWith('r1', body);
      expect(chat.closed.value).toBe(true);
      expect(rt.closed).toEqual(['room:r1']);
    });

    it('a refused report throws and keeps the room', async () => {
      api.reportRoom.mockRejectedValueOnce(new ApiError(503, 'unavailable', 'down'));
      const { chat } = await setup();
      await expect(chat.report({ reason: 'abuse' })).rejects.toMatchObject({ code: 'unavailable' });
      expect(chat.closed.value).toBe(false);
    });

    it('clear deletes the conversation; one already gone counts as cleared', async () => {
      const { chat } = await setup();
      api.deleteRoom.mockRejectedValueOnce(new ApiError(404, 'not_found', 'gone'));
      await chat.clear();
      expect(api.deleteRoom).toHaveBeenCalledWith('r1');
      expect(chat.closed.value).toBe(true);
      api.deleteRoom.mockRejectedValueOnce(new ApiError(0, 'network', 'down'));
      await expect(chat.clear()).rejects.toMatchObject({ code: 'network' });
    });
  });
});
