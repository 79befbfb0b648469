import { ref } from 'vue';
import type { ApiClient } from '../api/client';
import { isApiError } from '../api/errors';
import type { HistoryMessage, ReportRequest, Room, RoomEvent, RoomInfo, StreamPosition } from '../api/types';
import type { MessageKey, Params } from '../i18n';
import type { Realtime, RoomSubscription } from '../realtime/types';
import { newClientMsgId } from './clientMsgId';

export type MessageStatus = 'pending' | 'sent' | 'failed';
/** Why a message failed, when the user can do something about it. */
export type SendFailure = 'link' | null;

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
  /** 'link': links and @usernames are not allowed yet in this room. */
  failure: SendFailure;
}

export interface SystemLine {
  kind: 'system';
  key: string;
  text: MessageKey;
  params?: Params;
}

export type ChatItem = ChatMessage | SystemLine;

/** Who closed the room, as GET /api/rooms/{id} says; null when not known. */
export type ClosedBy = 'me' | 'partner' | 'system' | null;

type ChatApi = Pick<
  ApiClient,
  'sendMessage' | 'sendTyping' | 'leaveRoom' | 'reportRoom' | 'getRoom' | 'getMessages' | 'deleteRoom'
>;

/** live: an active room, subscribed for what comes next. readonly: a closed room, history only. */
export type ChatMode = 'live' | 'readonly';

export interface ChatOptions {
  api: ChatApi;
  realtime: Pick<Realtime, 'subscribeRoom'>;
  mode?: ChatMode;
  /** The room's status when the caller already has it (a reopened closed room). */
  info?: RoomInfo;
  onIncoming?: () => void;
  /** The room closed while shown (the partner left, or the server ended it). */
  onClosed?: () => void;
  /** The room is gone for this user (404/403): it expired or was cleared. */
  onGone?: () => void;
  uuid?: () => string;
}

export const TYPING_SEND_INTERVAL_MS = 2500;
export const TYPING_SHOW_MS = 3000;
/** A partner's socket may drop for a moment; only say "offline" when it lasts. */
export const OFFLINE_GRACE_MS = 5000;
/** Messages per history request (the API's maximum). */
export const HISTORY_PAGE = 100;
/** How much of the conversation is loaded by itself when a room opens; older pages load on scroll. */
export const HISTORY_AT_OPEN = 500;
/** How often a send answered 429 is retried (after Retry-After each time) before it shows as failed. */
export const RATE_LIMIT_RETRIES = 5;
/** Delays before retrying a history load that failed (network, 5xx); the last one repeats. */
export const HISTORY_RETRY_MS = [1000, 2000, 5000, 10000];

/**
 * compareIds orders message ids. The contract says ids are strings that
 * increase within a room; the server's are decimal numbers, which compare by
 * length first, then as text.
 */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

const isGone = (err: unknown) => isApiError(err, 'not_found') || isApiError(err, 'forbidden');

/**
 * useChat owns one room: the conversation (loaded from the API, then kept
 * live from the room channel subscribed from the returned stream position,
 * deduplicated by server id and kept in id order), optimistic sends with
 * retry, typing, the partner's presence, and the room's end.
 */
export function useChat(room: Room, opts: ChatOptions) {
  const { api } = opts;
  const mode: ChatMode = opts.mode ?? 'live';
  const uuid = opts.uuid ?? (() => newClientMsgId());
  const items = ref<ChatItem[]>([]);
  const partnerTyping = ref(false);
  const partnerOnline = ref(mode === 'live');
  const partnerLeft = ref(false);
  const closed = ref(mode === 'readonly');
  const closedBy = ref<ClosedBy>(null);
  /** The first page of the conversation is on its way. */
  const loading = ref(true);
  /** The server has older messages than the oldest shown. */
  const hasOlder = ref(false);
  const loadingOlder = ref(false);
  /** The room no longer exists for this user. */
  const gone = ref(false);

  const shownIds = new Set<string>();
  /** Own publications that arrived while a POST was in flight: the POST answer will claim them. */
  const unclaimedOwn = new Map<string, HistoryMessage>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let inFlight = 0;
  let seq = 0;
  let lastTypingSent = -Infinity;
  /** Partner connections (client ids) known to be in the room. */
  const partnerClients = new Set<string>();
  let partnerSeen = false;
  let saidOffline = false;
  /** Bumped by every partner join/leave: a room status fetched before one is stale for presence. */
  let presenceVersion = 0;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let offlineTimer: ReturnType<typeof setTimeout> | undefined;
  let subscription: RoomSubscription | null = null;
  let subscribedOnce = false;
  /** The conversation up to some point has been loaded from the API (not just live messages). */
  let historyLoaded = false;
  let reloading: Promise<void> | null = null;
  let reloadAgain = false;
  let disposed = false;

  const nextKey = () => `k${++seq}`;

  function later(fn: () => void, ms: number) {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  }

  function system(text: MessageKey, params?: Params) {
    items.value.push({ kind: 'system', key: nextKey(), text, params });
  }

  const serverId = (i: ChatItem): string | null => (i.kind === 'message' ? i.id : null);

  /** insertSorted puts a message with a server id before the first one with a greater id, else at the end. */
  function insertSorted(msg: ChatMessage) {
    const list = items.value;
    const id = msg.id;
    const at =
      id === null
        ? -1
        : list.findIndex((i) => {
            const s = serverId(i);
            return s !== null && compareIds(s, id) > 0;
          });
    if (at < 0) list.push(msg);
    else list.splice(at, 0, msg);
  }

  function addMessage(fields: Omit<ChatMessage, 'kind' | 'key' | 'failure'>): ChatMessage {
    const msg: ChatMessage = { kind: 'message', key: nextKey(), failure: null, ...fields };
    insertSorted(msg);
    return findMessage(msg.key)!;
  }

  function findMessage(key: string): ChatMessage | undefined {
    const found = items.value.find((i) => i.key === key);
    return found?.kind === 'message' ? found : undefined;
  }

  function removeItem(key: string) {
    items.value = items.value.filter((i) => i.key !== key);
  }

  /** keepOrdered moves a message that just got its server id if it now sits out of id order. */
  function keepOrdered(key: string) {
    const list = items.value;
    const at = list.findIndex((i) => i.key === key);
    const msg = list[at];
    if (!msg || msg.kind !== 'message' || msg.id === null) return;
    const id = msg.id;
    const ordered = list.every((i, n) => {
      const s = serverId(i);
      if (s === null || n === at) return true;
      return n < at ? compareIds(s, id) < 0 : compareIds(s, id) > 0;
    });
    if (ordered) return;
    list.splice(at, 1);
    insertSorted(msg);
  }

  function showPublished(m: HistoryMessage, mine: boolean) {
    shownIds.add(m.id);
    addMessage({ id: m.id, clientMsgId: null, mine, text: m.text, ts: m.ts, status: 'sent' });
  }

  /** take shows a message from the channel or the API unless it is already shown. */
  function take(m: HistoryMessage): boolean {
    if (shownIds.has(m.id)) return false;
    if (m.from === room.me) {
      if (inFlight > 0) unclaimedOwn.set(m.id, m);
      else showPublished(m, true); // sent from another tab or before a reload
      return false;
    }
    showPublished(m, false);
    partnerSeen = true;
    return true;
  }

  function onMessage(ev: Extract<RoomEvent, { type: 'message' }>) {
    if (!take(ev)) return;
    setPartnerTyping(false);
    opts.onIncoming?.();
  }

  function setPartnerTyping(on: boolean) {
    clearTimeout(typingTimer);
    partnerTyping.value = on;
    if (on) typingTimer = setTimeout(() => (partnerTyping.value = false), TYPING_SHOW_MS);
  }

  const closedLine: Record<Exclude<ClosedBy, null>, MessageKey> = {
    partner: 'partnerLeft',
    me: 'youLeft',
    system: 'chatClosed',
  };

  /** markClosed ends the room on screen once: a line saying who ended it, no more subscription. */
  function markClosed(by: ClosedBy) {
    if (closedBy.value !== null || disposed) return;
    closed.value = true;
    closedBy.value = by ?? 'system';
    partnerLeft.value = by === 'partner';
    partnerOnline.value = false;
    clearTimeout(offlineTimer);
    setPartnerTyping(false);
    system(closedLine[closedBy.value]);
    subscription?.close();
    subscription = null;
    if (mode === 'live') opts.onClosed?.();
  }

  function markGone() {
    if (disposed) return;
    gone.value = true;
    closed.value = true;
    dispose();
    opts.onGone?.();
  }

  function onEvent(ev: RoomEvent) {
    if (ev.type === 'message') onMessage(ev);
    else if (ev.from === room.me) return;
    else if (ev.type === 'typing') setPartnerTyping(true);
    else markClosed('partner');
  }

  function onJoin(member: string, client: string) {
    if (member === room.me || closed.value) return;
    presenceVersion++;
    partnerClients.add(client);
    clearTimeout(offlineTimer);
    partnerOnline.value = true;
    if (!partnerSeen) system('partnerJoined');
    else if (saidOffline) system('partnerBack');
    partnerSeen = true;
    saidOffline = false;
  }

  function onLeave(member: string, client: string) {
    if (member === room.me || closed.value) return;
    presenceVersion++;
    partnerSeen = true;
    partnerClients.delete(client);
    if (partnerClients.size > 0) return; // an old connection closing after a reconnect
    partnerOnline.value = false;
    setPartnerTyping(false);
    clearTimeout(offlineTimer);
    offlineTimer = setTimeout(() => {
      if (partnerOnline.value || closed.value) return;
      saidOffline = true;
      system('partnerOffline');
    }, OFFLINE_GRACE_MS);
  }

  /** applyInfo takes the room's state and, unless a join/leave came since it was asked for, the partner's presence. */
  function applyInfo(info: RoomInfo, askedAt: number) {
    if (info.state === 'closed') {
      markClosed(info.closed_by ?? null);
      return;
    }
    if (closed.value || askedAt !== presenceVersion) return;
    partnerOnline.value = info.partner_online;
    if (info.partner_online) partnerSeen = true;
    else saidOffline = true; // the header says offline; a later join says "back" (or "joined")
  }

  async function refreshInfo(): Promise<void> {
    const askedAt = presenceVersion;
    try {
      applyInfo(await api.getRoom(room.id), askedAt);
    } catch (err) {
        if (isGone(err)) markGone();
    }
  }

  /**
   * fillFromNewest loads pages from the newest back until one reaches
   * `untilId` (a message already shown, so nothing in between is missing), or
   * the start of the conversation, or the open-time limit. It returns the
   * first page's stream position and whether older messages remain.
   */
  async function fillFromNewest(untilId: string | null): Promise<{ stream: StreamPosition; hasMore: boolean }> {
    let before: string | undefined;
    let fetched = 0;
    let stream: StreamPosition | null = null;
    for (;;) {
      const page = await api.getMessages(room.id, before === undefined ? { limit: HISTORY_PAGE } : { before, limit: HISTORY_PAGE });
      if (disposed) return { stream: page.stream, hasMore: page.has_more };
      stream ??= page.stream;
      for (const m of page.messages) take(m);
      fetched += page.messages.length;
      const first = page.messages[0];
      if (!page.has_more || !first || untilId === null || compareIds(first.id, untilId) <= 0 || fetched >= HISTORY_AT_OPEN) {
        return { stream, hasMore: page.has_more };
      }
      before = first.id;
    }
  }

  function oldestId(): string | null {
    for (const i of items.value) if (i.kind === 'message' && i.id !== null) return i.id;
    return null;
  }

  function newestId(): string | null {
    let newest: string | null = null;
    for (const id of shownIds) if (newest === null || compareIds(id, newest) > 0) newest = id;
    return newest;
  }

  /** loadOlder prepends the page before the oldest message shown (scrolling to the top). */
  async function loadOlder(): Promise<void> {
    const before = oldestId();
    if (!hasOlder.value || loadingOlder.value || before === null || disposed) return;
    loadingOlder.value = true;
    try {
      const page = await api.getMessages(room.id, { before, limit: HISTORY_PAGE });
      if (disposed) return;
      for (const m of page.messages) take(m);
      hasOlder.value = page.has_more;
    } catch (err) {
      if (isGone(err)) markGone();
      // Otherwise hasOlder stays: the next scroll to the top tries again.
    } finally {
      loadingOlder.value = false;
    }
  }

  /**
   * reload fills what the channel could not deliver (a failed recovery, or a
   * history load that failed at open) from the API, and re-reads the room's
   * state, which also brings back a "left" that was lost. It retries until it
   * gets through; calls while one runs make it run once more.
   */
  function reload(): Promise<void> {
    if (reloading) {
      reloadAgain = true;
      return reloading;
    }
    reloading = (async () => {
      for (let attempt = 0; !disposed; attempt++) {
        reloadAgain = false;
        try {
          const complete = historyLoaded;
          const res = await fillFromNewest(complete ? newestId() : oldestId());
          if (!complete) hasOlder.value = res.hasMore;
          historyLoaded = true;
          await refreshInfo();
          if (!reloadAgain) return;
        } catch (err) {
          if (isGone(err)) return markGone();
          const delay = HISTORY_RETRY_MS[Math.min(attempt, HISTORY_RETRY_MS.length - 1)]!;
          await new Promise<void>((r) => later(r, delay));
        }
      }
    })().finally(() => (reloading = null));
    return reloading;
  }

  function subscribe(since: StreamPosition | undefined) {
    if (disposed || closed.value || subscription) return;
    subscription = opts.realtime.subscribeRoom(
      room.channel,
      {
        onEvent,
        onJoin,
        onLeave,
        // Refused: the room closed before we got in (e.g. the partner left at
        // once). Its status says so, and shows the read-only room.
        onRefused: () => {
          subscription = null;
          void refreshInfo();
        },
        onSubscribed: ({ lostHistory }) => {
          const again = subscribedOnce;
          subscribedOnce = true;
          if (lostHistory) void reload();
          else if (again) void refreshInfo(); // join/leave frames are not recovered: re-read presence
        },
      },
      since ? { since } : {},
    );
  }

  /** open loads the newest part of the conversation, subscribes from its position, then loads older pages. */
  async function open(): Promise<void> {
    const askedAt = presenceVersion;
    const info: Promise<RoomInfo | Error> = opts.info
      ? Promise.resolve(opts.info)
      : api.getRoom(room.id).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    let stream: StreamPosition | undefined;
    try {
      const res = await fillFromNewest(null);
      stream = res.stream;
      hasOlder.value = res.hasMore;
      historyLoaded = true;
    } catch (err) {
      if (isGone(err)) {
        loading.value = false;
        return markGone();
      }
    }
    loading.value = false;
    if (disposed) return;
    if (mode === 'live') subscribe(stream); // without a position, live from now; reload fills the rest
    // The room's status after the messages, so a "left" line comes after them.
    const status = await info;
    if (disposed) return;
    if (status instanceof Error) {
      if (isGone(status)) return markGone();
    } else {
      applyInfo(status, askedAt);
    }
    if (!historyLoaded) {
      void reload();
      return;
    }
    while (hasOlder.value && shownIds.size < HISTORY_AT_OPEN && !disposed) {
      const before = shownIds.size;
      await loadOlder();
      if (shownIds.size === before) break; // failed or empty: the user can scroll up to retry
    }
  }

  function flushUnclaimed() {
    for (const m of unclaimedOwn.values()) if (!shownIds.has(m.id)) showPublished(m, true);
    unclaimedOwn.clear();
  }

  async function deliver(key: string, rateRetries = 0): Promise<void> {
    const msg = findMessage(key);
    if (!msg || msg.clientMsgId === null || disposed) return;
    msg.status = 'pending';
    msg.failure = null;
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
        keepOrdered(key);
      }
    } catch (err) {
      const current = findMessage(key);
      if (isApiError(err, 'rate_limited') && rateRetries < RATE_LIMIT_RETRIES && !closed.value) {
        // Still pending: the same client_msg_id goes again when the server says.
        later(() => void deliver(key, rateRetries + 1), Math.max(1, err.retryAfter ?? 1) * 1000);
      } else if (current) {
        current.status = 'failed';
        current.failure = isApiError(err, 'link_not_allowed_yet') ? 'link' : null;
      }
      if (isApiError(err, 'room_closed')) void refreshInfo().then(() => markClosed(null));
      else if (isGone(err)) markGone();
    } finally {
      inFlight--;
      if (inFlight === 0) flushUnclaimed();
    }
  }

  /** send adds the message at once (pending) and posts it; returns false when there is nothing to send. */
  function send(text: string): boolean {
    const body = text.trim();
    if (body === '' || closed.value) return false;
    const msg: ChatMessage = {
      kind: 'message',
      key: nextKey(),
      id: null,
      clientMsgId: uuid(),
      mine: true,
      text: body,
      ts: Date.now(),
      status: 'pending',
      failure: null,
    };
    items.value.push(msg);
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
    disposed = true;
    subscription?.close();
    subscription = null;
    clearTimeout(typingTimer);
    clearTimeout(offlineTimer);
    for (const t of timers) clearTimeout(t);
    timers.clear();
  }

  /**
   * leave tells the server (idempotent) and stops listening. A plain leave
   * never keeps the user in the room; the answer says whether the server heard
   * it (what a block depends on).
   */
  async function leave(o: { block?: boolean } = {}): Promise<boolean> {
    closed.value = true;
    dispose();
    try {
      await (o.block ? api.leaveRoom(room.id, { block: true }) : api.leaveRoom(room.id));
      return true;
    } catch {
      // The room expires on its own; nothing the user can do about a failed leave.
      return false;
    }
  }

  /** report sends the report (which also ends the room and blocks the pair); it throws when the server did not take it. */
  async function report(r: ReportRequest): Promise<void> {
    const body: ReportRequest = r.comment?.trim() ? { reason: r.reason, comment: r.comment.trim() } : { reason: r.reason };
    await api.reportRoom(room.id, body);
    closed.value = true;
    dispose();
  }

  /** clear deletes the conversation for both (leaving first if still active); throws when the server did not. */
  async function clear(): Promise<void> {
    try {
      await api.deleteRoom(room.id);
    } catch (err) {
      if (!isApiError(err, 'not_found')) throw err; // already gone is what we wanted
    }
    closed.value = true;
    dispose();
  }

  void open();

  return {
    room,
    mode,
    items,
    partnerTyping,
    partnerOnline,
    partnerLeft,
    closed,
    closedBy,
    loading,
    hasOlder,
    loadingOlder,
    gone,
    send,
    retry,
    typing,
    loadOlder,
    reload,
    leave,
    report,
    clear,
    dispose,
  };
}

export type UseChat = ReturnType<typeof useChat>;
