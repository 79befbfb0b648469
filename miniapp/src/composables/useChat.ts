import { ref } from 'vue';
import type { ApiClient } from '../api/client';
import { isApiError } from '../api/errors';
import type { Room, RoomEvent } from '../api/types';
import type { MessageKey, Params } from '../i18n';
import type { Realtime, RoomSubscription } from '../realtime/types';
import { newClientMsgId } from './clientMsgId';

export type MessageStatus = 'pending' | 'sent' | 'failed';

export interface ChatMessage {
  kind: 'message';
  key: string;
  /** Server id; null until the POST answers for an own message. */
  id: string | null;
  /** Set on own messages; a retry reuses it so the server stores the message once. */
  clientMsgId: string | null;
  mine: boolean;
  text: string;
  ts: number;
  status: MessageStatus;
}

export interface SystemLine {
  kind: 'system';
  key: string;
  text: MessageKey;
  params?: Params;
}

export type ChatItem = ChatMessage | SystemLine;

type ChatApi = Pick<ApiClient, 'sendMessage' | 'sendTyping' | 'leaveRoom'>;

export interface ChatOptions {
  api: ChatApi;
  realtime: Pick<Realtime, 'subscribeRoom'>;
  onIncoming?: () => void;
  uuid?: () => string;
}

export const TYPING_SEND_INTERVAL_MS = 2500;
export const TYPING_SHOW_MS = 3000;
/** A partner's socket may drop for a moment; only say "offline" when it lasts. */
export const OFFLINE_GRACE_MS = 5000;

/**
 * useChat owns one room: the message list (deduplicated by server id),
 * optimistic sends with retry, typing, and the partner's presence.
 */
export function useChat(room: Room, opts: ChatOptions) {
  const { api } = opts;
  const uuid = opts.uuid ?? (() => newClientMsgId());
  const items = ref<ChatItem[]>([]);
  const partnerTyping = ref(false);
  const partnerOnline = ref(true);
  const partnerLeft = ref(false);
  const closed = ref(false);

  const shownIds = new Set<string>();
  /** Own publications that arrived while a POST was in flight: the POST answer will claim them. */
  const unclaimedOwn = new Map<string, Extract<RoomEvent, { type: 'message' }>>();
  let inFlight = 0;
  let seq = 0;
  let lastTypingSent = -Infinity;
  /** Partner connections (client ids) known to be in the room. */
  const partnerClients = new Set<string>();
  let partnerSeen = false;
  let saidOffline = false;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let offlineTimer: ReturnType<typeof setTimeout> | undefined;
  let subscription: RoomSubscription | null = null;

  const nextKey = () => `k${++seq}`;

  function system(text: MessageKey, params?: Params) {
    items.value.push({ kind: 'system', key: nextKey(), text, params });
  }

  function message(fields: Omit<ChatMessage, 'kind' | 'key'>): ChatMessage {
    items.value.push({ kind: 'message', key: nextKey(), ...fields });
    return items.value[items.value.length - 1] as ChatMessage;
  }

  function findMessage(key: string): ChatMessage | undefined {
    const found = items.value.find((i) => i.key === key);
    return found?.kind === 'message' ? found : undefined;
  }

  function removeItem(key: string) {
    items.value = items.value.filter((i) => i.key !== key);
  }

  function showPublished(ev: Extract<RoomEvent, { type: 'message' }>, mine: boolean) {
    shownIds.add(ev.id);
    message({ id: ev.id, clientMsgId: null, mine, text: ev.text, ts: ev.ts, status: 'sent' });
  }

  function onMessage(ev: Extract<RoomEvent, { type: 'message' }>) {
    if (shownIds.has(ev.id)) return;
    if (ev.from === room.me) {
      if (inFlight > 0) unclaimedOwn.set(ev.id, ev);
      else showPublished(ev, true); // sent from another tab or before a reload
      return;
    }
    showPublished(ev, false);
    setPartnerTyping(false);
    opts.onIncoming?.();
  }

  function setPartnerTyping(on: boolean) {
    clearTimeout(typingTimer);
    partnerTyping.value = on;
    if (on) typingTimer = setTimeout(() => (partnerTyping.value = false), TYPING_SHOW_MS);
  }

  function onPartnerLeft() {
    if (partnerLeft.value) return;
    partnerLeft.value = true;
    partnerOnline.value = false;
    closed.value = true;
    clearTimeout(offlineTimer);
    setPartnerTyping(false);
    system('partnerLeft');
  }

  function onEvent(ev: RoomEvent) {
    if (ev.type === 'message') onMessage(ev);
    else if (ev.from === room.me) return;
    else if (ev.type === 'typing') setPartnerTyping(true);
    else onPartnerLeft();
  }

  function onJoin(member: string, client: string) {
    if (member === room.me || partnerLeft.value) return;
    partnerClients.add(client);
    clearTimeout(offlineTimer);
    partnerOnline.value = true;
    if (!partnerSeen) system('partnerJoined');
    else if (saidOffline) system('partnerBack');
    partnerSeen = true;
    saidOffline = false;
  }

  function onLeave(member: string, client: string) {
    if (member === room.me || partnerLeft.value) return;
    partnerSeen = true;
    partnerClients.delete(client);
    if (partnerClients.size > 0) return; // an old connection closing after a reconnect
    partnerOnline.value = false;
    setPartnerTyping(false);
    clearTimeout(offlineTimer);
    offlineTimer = setTimeout(() => {
      if (partnerOnline.value || partnerLeft.value) return;
      saidOffline = true;
      system('partnerOffline');
    }, OFFLINE_GRACE_MS);
  }

  function flushUnclaimed() {
    for (const ev of unclaimedOwn.values()) if (!shownIds.has(ev.id)) showPublished(ev, true);
    unclaimedOwn.clear();
  }

  async function deliver(key: string): Promise<void> {
    const msg = findMessage(key);
    if (!msg || msg.clientMsgId === null) return;
    msg.status = 'pending';
    inFlight++;
    try {
      const res = await api.sendMessage(room.id, { text: msg.text, client_msg_id: msg.clientMsgId });
      unclaimedOwn.delete(res.id);
      if (shownIds.has(res.id)) {
        removeItem(key); // already on screen (a retry of a message whose publication we showed)
      } else {
        shownIds.add(res.id);
        const current = findMessage(key);
        if (current) Object.assign(current, { id: res.id, ts: res.ts, status: 'sent' });
      }
    } catch (err) {
      const current = findMessage(key);
      if (current) current.status = 'failed';
      if (isApiError(err, 'room_closed') || isApiError(err, 'not_found')) closed.value = true;
    } finally {
      inFlight--;
      if (inFlight === 0) flushUnclaimed();
    }
  }

  /** send adds the message at once (pending) and posts it; returns false when there is nothing to send. */
  function send(text: string): boolean {
    const body = text.trim();
    if (body === '' || closed.value) return false;
    const msg = message({ id: null, clientMsgId: uuid(), mine: true, text: body, ts: Date.now(), status: 'pending' });
    void deliver(msg.key);
    return true;
  }

  /** retry posts a failed message again with the same client_msg_id. */
  function retry(key: string) {
    const msg = findMessage(key);
    if (msg?.status === 'failed' && !closed.value) void deliver(key);
  }

  /**
   * typing is called on every keystroke; the API hears about it at most every
   * 2.5 s, also across sends, so a fast typist stays inside the server's
   * 1/s typing limit (the partner's indicator lasts 3 s anyway).
   */
  function typing() {
    if (closed.value) return;
    const now = Date.now();
    if (now - lastTypingSent < TYPING_SEND_INTERVAL_MS) return;
    lastTypingSent = now;
    api.sendTyping(room.id).catch(() => {});
  }

  function dispose() {
    subscription?.close();
    subscription = null;
    clearTimeout(typingTimer);
    clearTimeout(offlineTimer);
  }

  /** leave tells the server (idempotent) and stops listening; failures do not keep the user in the room. */
  async function leave(): Promise<void> {
    closed.value = true;
    dispose();
    try {
      await api.leaveRoom(room.id);
    } catch {
      // The room expires on its own; nothing the user can do about a failed leave.
    }
  }

  system('chattingWith', { name: room.partner.nickname });
  subscription = opts.realtime.subscribeRoom(room.channel, {
    onEvent,
    onJoin,
    onLeave,
    onSubscribed: ({ lostHistory }) => {
      if (lostHistory) system('historyLost');
    },
  });

  return { room, items, partnerTyping, partnerOnline, partnerLeft, closed, send, retry, typing, leave, dispose };
}

export type UseChat = ReturnType<typeof useChat>;
