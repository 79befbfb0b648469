import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import type { SentMessage } from '../api/types';
import { deferred, fakeApi, FakeRealtime, flush, testRoom, type FakeApi } from '../testing/fakes';
import { OFFLINE_GRACE_MS, TYPING_SHOW_MS, useChat, type ChatItem, type ChatMessage } from './useChat';

const me = testRoom.me;
const partner = 'm-partner';

function messages(items: ChatItem[]): ChatMessage[] {
  return items.filter((i): i is ChatMessage => i.kind === 'message');
}
function systemLines(items: ChatItem[]): string[] {
  return items.flatMap((i) => (i.kind === 'system' ? [i.text] : []));
}

describe('useChat', () => {
  let api: FakeApi;
  let rt: FakeRealtime;
  let ids: number;
  const setup = (onIncoming = vi.fn()) => {
    const chat = useChat(testRoom, { api, realtime: rt, onIncoming, uuid: () => `c${++ids}` });
    return { chat, room: rt.room(testRoom.channel), onIncoming };
  };

  beforeEach(() => {
    api = fakeApi();
    rt = new FakeRealtime();
    ids = 0;
  });
  afterEach(() => vi.useRealTimers());

  it('subscribes to the room and greets with the partner name', () => {
    const { chat } = setup();
    expect(rt.rooms.has('room:r1')).toBe(true);
    expect(chat.items.value[0]).toMatchObject({ kind: 'system', text: 'chattingWith', params: { name: 'Bob' } });
  });

  it('drops a publication whose id is already shown', () => {
    const { chat, room, onIncoming } = setup();
    const pub = { type: 'message' as const, id: '5', from: partner, text: 'hi', ts: 1 };
    room.onEvent(pub);
    room.onEvent(pub);
    room.onEvent({ ...pub, id: '6', text: 'again' });
    expect(messages(chat.items.value).map((m) => [m.id, m.text, m.mine])).toEqual([
      ['5', 'hi', false],
      ['6', 'again', false],
    ]);
    expect(onIncoming).toHaveBeenCalledTimes(2);
  });

  it('shows an own message once when its publication arrives before the POST answer', async () => {
    const post = deferred<SentMessage>();
    api.sendMessage.mockReturnValue(post.promise);
    const { chat, room } = setup();

    expect(chat.send('  hello  ')).toBe(true);
    expect(api.sendMessage).toHaveBeenCalledWith('r1', { text: 'hello', client_msg_id: 'c1' });
    expect(messages(chat.items.value)).toMatchObject([{ status: 'pending', text: 'hello', mine: true, id: null }]);

    room.onEvent({ type: 'message', id: '7', from: me, text: 'hello', ts: 10 });
    expect(messages(chat.items.value)).toHaveLength(1);

    post.resolve({ id: '7', ts: 10 });
    await flush();
    expect(messages(chat.items.value)).toMatchObject([{ status: 'sent', id: '7', clientMsgId: 'c1' }]);
  });

  it('drops an own publication that arrives after the POST answer', async () => {
    api.sendMessage.mockResolvedValue({ id: '8', ts: 10 });
    const { chat, room } = setup();
    chat.send('x');
    await flush();
    room.onEvent({ type: 'message', id: '8', from: me, text: 'x', ts: 10 });
    expect(messages(chat.items.value)).toHaveLength(1);
  });

  it('marks a failed send and retries it with the same client_msg_id', async () => {
    api.sendMessage.mockRejectedValueOnce(new ApiError(503, 'unavailable', 'down'));
    const { chat } = setup();
    chat.send('retry me');
    await flush();
    const [failed] = messages(chat.items.value);
    expect(failed).toMatchObject({ status: 'failed', clientMsgId: 'c1' });

    const post = deferred<SentMessage>();
    api.sendMessage.mockReturnValueOnce(post.promise);
    chat.retry(failed!.key);
    expect(messages(chat.items.value)[0]!.status).toBe('pending');
    post.resolve({ id: '9', ts: 2 });
    await flush();

    expect(api.sendMessage).toHaveBeenCalledTimes(2);
    expect(api.sendMessage.mock.calls.map((c) => c[1].client_msg_id)).toEqual(['c1', 'c1']);
    expect(messages(chat.items.value)).toMatchObject([{ status: 'sent', id: '9', text: 'retry me' }]);
  });

  it('keeps one copy when a "failed" message had in fact been stored and published', async () => {
    api.sendMessage.mockRejectedValueOnce(new ApiError(0, 'network', 'timeout'));
    const { chat, room } = setup();
    chat.send('maybe');
    await flush();
    // The server did store it: its publication arrives while nothing is in flight, so it is shown.
    room.onEvent({ type: 'message', id: '11', from: me, text: 'maybe', ts: 3 });
    expect(messages(chat.items.value)).toHaveLength(2);

    api.sendMessage.mockResolvedValueOnce({ id: '11', ts: 3 });
    chat.retry(messages(chat.items.value)[0]!.key);
    await flush();
    expect(messages(chat.items.value)).toMatchObject([{ id: '11', status: 'sent' }]);
  });

  it('does not send blank text, and nothing after the room closed', async () => {
    api.sendMessage.mockRejectedValue(new ApiError(409, 'room_closed', 'closed'));
    const { chat } = setup();
    expect(chat.send('   ')).toBe(false);
    chat.send('late');
    await flush();
    expect(chat.closed.value).toBe(true);
    expect(chat.send('again')).toBe(false);
  });

  it('throttles typing notifications and shows the partner typing for a while', () => {
    vi.useFakeTimers();
    const { chat, room } = setup();
    chat.typing();
    chat.typing();
    vi.advanceTimersByTime(1000);
    chat.typing();
    expect(api.sendTyping).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1600);
    chat.typing();
    expect(api.sendTyping).toHaveBeenCalledTimes(2);

    room.onEvent({ type: 'typing', from: me });
    expect(chat.partnerTyping.value).toBe(false);
    room.onEvent({ type: 'typing', from: partner });
    expect(chat.partnerTyping.value).toBe(true);
    vi.advanceTimersByTime(TYPING_SHOW_MS + 1);
    expect(chat.partnerTyping.value).toBe(false);

    room.onEvent({ type: 'typing', from: partner });
    room.onEvent({ type: 'message', id: '1', from: partner, text: 'done', ts: 1 });
    expect(chat.partnerTyping.value).toBe(false);
  });

  it('tells partner joins and leaves apart from its own, and a left publication closes the chat', () => {
    vi.useFakeTimers();
    const { chat, room } = setup();
    room.onJoin(me, 'c-me');
    room.onJoin(partner, 'c1');
    expect(systemLines(chat.items.value)).toEqual(['chattingWith', 'partnerJoined']);

    room.onLeave(partner, 'c1'); // a short network blip says nothing
    vi.advanceTimersByTime(OFFLINE_GRACE_MS - 1000);
    room.onJoin(partner, 'c2');
    vi.advanceTimersByTime(OFFLINE_GRACE_MS);
    expect(systemLines(chat.items.value)).toEqual(['chattingWith', 'partnerJoined']);

    room.onLeave(partner, 'c2');
    expect(chat.partnerOnline.value).toBe(false);
    vi.advanceTimersByTime(OFFLINE_GRACE_MS);
    room.onJoin(partner, 'c3');
    expect(systemLines(chat.items.value).slice(2)).toEqual(['partnerOffline', 'partnerBack']);
    expect(chat.partnerOnline.value).toBe(true);

    room.onEvent({ type: 'left', from: me });
    expect(chat.closed.value).toBe(false);
    room.onEvent({ type: 'left', from: partner });
    room.onLeave(partner, 'c3');
    room.onEvent({ type: 'left', from: partner });
    vi.advanceTimersByTime(OFFLINE_GRACE_MS);
    expect(systemLines(chat.items.value).filter((l) => l === 'partnerLeft')).toHaveLength(1);
    expect(chat.closed.value).toBe(true);
    expect(chat.partnerLeft.value).toBe(true);
  });

  it('stays online when the old connection of a reconnected partner leaves after the new one joined', () => {
    vi.useFakeTimers();
    const { chat, room } = setup();
    room.onJoin(partner, 'old');
    room.onJoin(partner, 'new');
    room.onLeave(partner, 'old');
    vi.advanceTimersByTime(OFFLINE_GRACE_MS * 2);
    expect(chat.partnerOnline.value).toBe(true);
    expect(systemLines(chat.items.value)).toEqual(['chattingWith', 'partnerJoined']);
  });

  it('notes lost history when recovery failed', () => {
    const { chat, room } = setup();
    room.onSubscribed({ lostHistory: false });
    room.onSubscribed({ lostHistory: true });
    expect(systemLines(chat.items.value)).toEqual(['chattingWith', 'historyLost']);
  });

  it('leave posts to the API, closes the subscription and survives an API failure', async () => {
    api.leaveRoom.mockRejectedValue(new ApiError(0, 'network', 'offline'));
    const { chat } = setup();
    await chat.leave();
    expect(api.leaveRoom).toHaveBeenCalledWith('r1');
    expect(rt.closed).toEqual(['room:r1']);
    expect(chat.closed.value).toBe(true);
  });
});
