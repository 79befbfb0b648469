import { computed, ref, shallowRef } from 'vue';
import type { ApiClient } from '../api/client';
import { isApiError } from '../api/errors';
import type { LinkRemaining, ReportRequest, Room, RoomEvent, RoomInfo, StreamPosition } from '../api/types';
import type { Realtime, RoomSubscription } from '../realtime/types';
import { useAttachment } from './chat/attachment';
import { chatMedia, useConversation, type ChatItem, type ChatMedia, type ChatMessage } from './chat/conversation';
import { createMediaCache, LOCAL_PREFIX, type MediaCache } from './chat/mediaCache';
import { preparePhoto, type PreparedPhoto } from './chat/photo';
import { canRecord, useRecorder, type RecorderEnv, type Recording } from './chat/recorder';
import { useSpoilers } from './chat/spoilers';
import { useUploads } from './chat/uploads';
import { isGone, useHistory } from './chat/history';
import { useOutbox } from './chat/outbox';
import { usePresence } from './chat/presence';
import { useReadMarkers } from './chat/readMarkers';
import { useTyping } from './chat/typing';
import { newClientMsgId } from './clientMsgId';
import type { KeyValueStore } from './roomMemory';
import { keptOutbox } from './chat/keptOutbox';

export type { ChatItem, ChatMedia, ChatMessage, MessageStatus, SendFailure, SystemLine, UploadState } from './chat/conversation';
export type { Presence } from './chat/presence';
export { compareIds } from './chat/ids';
export { HISTORY_AT_OPEN, HISTORY_PAGE, HISTORY_RETRY_MS } from './chat/history';
export { OFFLINE_GRACE_MS } from './chat/presence';
export { TYPING_SEND_INTERVAL_MS, TYPING_SHOW_MS } from './chat/typing';
export { OUTBOX_KEY_PREFIX } from './chat/keptOutbox';

/** Who closed the room, as GET /api/rooms/{id} says; null when not known. */
export type ClosedBy = 'me' | 'partner' | 'system' | null;

type ChatApi = Pick<
  ApiClient,
  'sendMessage' | 'sendTyping' | 'leaveRoom' | 'reportRoom' | 'getRoom' | 'getMessages' | 'deleteRoom' | 'markRead' | 'uploadMedia' | 'getMedia'
>;

/** live: an active room, subscribed for what comes next. readonly: a closed room, history only. */
export type ChatMode = 'live' | 'readonly';

/** A link the server refused: the text goes back to the composer with how many messages are still needed. */
export interface LinkRefusal {
  text: string;
  remaining: LinkRemaining | undefined;
}

/** Media the server refused before the room allows it: the composer says how many messages are still needed. */
export interface MediaRefusal {
  remaining: LinkRemaining | undefined;
}

/** What the user does with photos and voice messages on screen (the components send these up as one event). */
export type MediaAction =
  | { type: 'attach'; file: Blob }
  | { type: 'detach' }
  | { type: 'spoiler'; on: boolean }
  | { type: 'record-start' }
  | { type: 'record-stop' }
  | { type: 'record-cancel' }
  | { type: 'dismiss-notice' }
  | { type: 'reveal'; id: string }
  | { type: 'open'; key: string }
  | { type: 'close' }
  | { type: 'discard'; key: string };

/** minorsRoom: under-18s only ever meet under-18s, so either age tells; their rooms carry no media at all. */
export function minorsRoom(partnerAge: number, myAge: number | undefined): boolean {
  return partnerAge < 18 || (myAge !== undefined && myAge < 18);
}

export interface ChatOptions {
  api: ChatApi;
  realtime: Pick<Realtime, 'subscribeRoom' | 'state' | 'onState'>;
  mode?: ChatMode;
  /** The room's status when the caller already has it (a reopened closed room). */
  info?: RoomInfo;
  onIncoming?: () => void;
  /** The room closed while shown (the partner left, or the server ended it). */
  onClosed?: () => void;
  /** The room is gone for this user (404/403): it expired or was cleared. */
  onGone?: () => void;
  uuid?: () => string;
  random?: () => number;
  /**
   * Keeps messages not yet stored across a relaunch (localStorage): the app
   * closed while offline sends them when the room is opened again, with
   * their client_msg_id, so the server stores each once.
   */
  outboxStore?: KeyValueStore | null;
  /** The session's media (blob URLs of photos and voice messages); one per app launch. */
  cache?: MediaCache;
  /** Downscales a chosen photo before upload (photo.ts; substituted in tests). */
  preparePhoto?: (file: Blob) => Promise<PreparedPhoto>;
  /** The microphone and MediaRecorder (recorder.ts browserRecorderEnv); none means no voice button. */
  recorderEnv?: RecorderEnv;
  /** The user's own age (a room of minors has no media). */
  myAge?: number;
}

const closedLine = { partner: 'partnerLeft', me: 'youLeft', system: 'chatClosed' } as const;

/**
 * useChat owns one room on screen and composes one part per concern: the
 * conversation list, the history loads, the outbox (sending and the
 * offline queue), presence, typing and read markers. It wires them to the
 * room channel, subscribed from the history's stream position.
 */
export function useChat(room: Room, opts: ChatOptions) {
  const { api } = opts;
  const mode: ChatMode = opts.mode ?? 'live';
  const uuid = opts.uuid ?? (() => newClientMsgId());
  const rt = opts.realtime;

  const conv = useConversation(room.me);
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (fn: () => void, ms: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const partnerLeft = ref(false);
  const closed = ref(mode === 'readonly');
  const closedBy = ref<ClosedBy>(null);
  const gone = ref(false);
  /** The message the next one replies to (its server id). */
  const replyTo = ref<string | null>(null);
  const linkRefusal = shallowRef<LinkRefusal | null>(null);
  const mediaRefusal = shallowRef<MediaRefusal | null>(null);
  /** Photos and voice messages: not in a room of minors (the partner's age from the room, the user's from the profile). */
  const mediaAllowed = !minorsRoom(room.partner.age, opts.myAge);
  const cache = opts.cache ?? createMediaCache({ api });
  const attachment = useAttachment();
  const spoilers = useSpoilers();
  /** The message whose photo is open full screen (its key). */
  const viewing = ref<string | null>(null);
  let subscription: RoomSubscription | null = null;
  let disposed = false;

  const history = useHistory({ api, roomId: room.id, conversation: conv, onGone: markGone, later });
  const typing = useTyping(api, room.id);
  const reads = useReadMarkers({ api, roomId: room.id });
  const presence = usePresence({
    say: (line) => conv.system(line),
    recheck: () => void refreshInfo(),
    partnerHasWritten: () => conv.items.value.some((i) => i.kind === 'message' && !i.mine),
  });
  const outbox = useOutbox({
    api,
    roomId: room.id,
    conversation: conv,
    random: opts.random,
    onLinkRefused: (text, remaining) => (linkRefusal.value = { text, remaining }),
    onMediaRefused: (remaining) => (mediaRefusal.value = { remaining }),
    onRoomError: roomError,
    onChange: (pending) => keep(pending),
  });
  const uploads = useUploads({
    api,
    roomId: room.id,
    conversation: conv,
    cache,
    random: opts.random,
    onUploaded: (key) => outbox.enqueue(key),
    onMediaRefused: (remaining) => (mediaRefusal.value = { remaining }),
    onRoomError: roomError,
  });
  const recorderEnv = opts.recorderEnv ?? {};
  const recorder = useRecorder(recorderEnv, { onRecorded: (r) => void sendVoice(r) });

  function roomError(err: unknown) {
    if (isApiError(err, 'room_closed')) void refreshInfo().then(() => markClosed(null));
    else markGone();
  }

  const kept = keptOutbox(opts.outboxStore, room.id);
  const keep = (pending: ChatMessage[]) => kept.save(pending);

  /** resumeOutbox queues again what was still unsent when the app closed; what the history shows is stored already. */
  function resumeOutbox() {
    for (const m of kept.load()) {
      if (conv.byClientId(m.client_msg_id)) continue;
      const msg = conv.addLocal(m.text, m.client_msg_id, m.reply_to, m.ts, m.media ? chatMedia(m.media) : null);
      outbox.enqueue(msg.key);
    }
    keep(conv.items.value.filter((i): i is ChatMessage => i.kind === 'message' && i.mine && i.status === 'pending'));
  }

  presence.connection(rt.state === 'connected');
  const offState = rt.onState((s) => {
    presence.connection(s === 'connected');
    if (s === 'connected') {
      outbox.connectionBack();
      uploads.connectionBack();
    }
  });

  /** markClosed ends the room on screen once: a line saying who ended it, no more subscription. */
  function markClosed(by: ClosedBy) {
    if (closedBy.value !== null || disposed) return;
    closed.value = true;
    closedBy.value = by ?? 'system';
    partnerLeft.value = by === 'partner';
    presence.stop();
    typing.dispose();
    outbox.failAll();
    uploads.failAll();
    recorder.cancel();
    attachment.clear();
    conv.system(closedLine[closedBy.value]);
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
    switch (ev.type) {
      case 'message':
        if (conv.take(ev) !== 'new' || ev.from === room.me) return;
        typing.partner(false);
        presence.message();
        opts.onIncoming?.();
        return;
      case 'read':
        if (ev.from !== room.me) reads.partnerRead(ev.up_to);
        return;
      case 'typing':
        if (ev.from !== room.me) typing.partner(true);
        return;
      case 'left':
        if (ev.from !== room.me) markClosed('partner');
        return;
    }
  }

  /** applyInfo takes the room's state, read markers and, unless a join/leave came since it was asked for, presence. */
  let saidCleared = false;
  function applyInfo(info: RoomInfo, askedAt: number) {
    reads.fromStatus(info.read);
    if (info.cleared && !saidCleared) {
      saidCleared = true;
      conv.system('conversationCleared');
    }
    if (info.state === 'closed') return markClosed(info.closed_by ?? null);
    if (!closed.value) presence.fromStatus(info.partner_online, askedAt);
  }

  async function refreshInfo(): Promise<void> {
    const askedAt = presence.marker();
    try {
      applyInfo(await api.getRoom(room.id), askedAt);
    } catch (err) {
      if (isGone(err)) markGone();
    }
  }

  function subscribe(since: StreamPosition | undefined) {
    if (disposed || closed.value || subscription) return;
    subscription = rt.subscribeRoom(
      room.channel,
      {
        onEvent,
        onJoin: (member, client) => {
          if (member !== room.me && !closed.value) presence.join(client);
        },
        onLeave: (member, client) => {
          if (member !== room.me && !closed.value) {
            presence.leave(client);
            typing.partner(false);
          }
        },
        // Refused: the room closed before we got in (e.g. the partner left at
        // once). Its status says so, and shows the read-only room.
        onRefused: () => {
          subscription = null;
          void refreshInfo();
        },
        // After every (re)subscribe: join frames from before it never come, so
        // presence is read now; a failed recovery reloads what was missed.
        onSubscribed: ({ lostHistory }) => {
          if (lostHistory) void history.reload(refreshInfo);
          else void refreshInfo();
        },
      },
      since ? { since } : {},
    );
  }

  /** open loads the newest part of the conversation, subscribes from its position, then loads older pages. */
  async function open(): Promise<void> {
    const stream = await history.open();
    if (disposed) return;
    if (mode === 'live') {
      resumeOutbox();
      subscribe(stream); // without a position, live from now; reload fills the rest
    }
    if (opts.info) applyInfo(opts.info, presence.marker());
    else if (mode === 'readonly') await refreshInfo();
    if (disposed) return;
    if (!history.isLoaded()) {
      void history.reload(refreshInfo);
      return;
    }
    await history.fillOlder();
  }

  /**
   * send shows the message at once (pending) and queues it; with a photo
   * attached, the text is its caption. Returns false when there is nothing
   * to send.
   */
  function send(text: string): boolean {
    const body = text.trim();
    if (closed.value) return false;
    const photo = attachment.current.value;
    if (photo && mediaAllowed) {
      attachment.take();
      sendMedia(body, { kind: 'photo', spoiler: photo.spoiler, durationMs: 0 }, (key) =>
        uploads.addPhoto(key, (opts.preparePhoto ?? preparePhoto)(photo.file)),
      );
      return true;
    }
    if (body === '') return false;
    const msg = conv.addLocal(body, uuid(), replyTo.value, Date.now());
    replyTo.value = null;
    linkRefusal.value = null;
    mediaRefusal.value = null;
    outbox.enqueue(msg.key);
    return true;
  }

  /** sendMedia shows an own photo or voice message at once (its upload's progress on the bubble) and uploads it. */
  function sendMedia(caption: string, m: Pick<ChatMedia, 'kind' | 'spoiler' | 'durationMs'>, upload: (key: string) => void) {
    const cmid = uuid();
    const media: ChatMedia = { ...m, id: null, local: `${LOCAL_PREFIX}${cmid}`, width: 0, height: 0 };
    const msg = conv.addLocal(caption, cmid, replyTo.value, Date.now(), media, { phase: 'queued', progress: 0 });
    replyTo.value = null;
    linkRefusal.value = null;
    mediaRefusal.value = null;
    upload(msg.key);
  }

  /** sendVoice sends a finished recording. */
  function sendVoice(r: Recording): boolean {
    if (closed.value || !mediaAllowed) return false;
    sendMedia('', { kind: 'voice', spoiler: false, durationMs: r.durationMs }, (key) => uploads.add(key, r.blob, r.mimeType));
    return true;
  }

  /** retry queues a refused message again with the same client_msg_id (and a refused upload with the same bytes). */
  function retry(key: string) {
    if (closed.value) return;
    const m = conv.find(key);
    if (m?.media && m.media.id === null) uploads.retry(key);
    else outbox.retry(key);
  }

  /** discard takes an own media message away: its upload is cancelled (or it was refused). */
  function discard(key: string) {
    const m = conv.find(key);
    if (!m || !m.mine || m.status === 'sent') return;
    uploads.cancel(key);
  }

  function media(a: MediaAction) {
    switch (a.type) {
      case 'attach':
        if (mediaAllowed && !closed.value) attachment.pick(a.file);
        return;
      case 'detach':
        return attachment.clear();
      case 'spoiler':
        return attachment.setSpoiler(a.on);
      case 'record-start':
        if (mediaAllowed && !closed.value) void recorder.start();
        return;
      case 'record-stop':
        return recorder.stop();
      case 'record-cancel':
        return recorder.cancel();
      case 'dismiss-notice':
        recorder.dismiss();
        return;
      case 'reveal':
        return spoilers.reveal(a.id);
      case 'open':
        return openPhoto(a.key);
      case 'close':
        viewing.value = null;
        return;
      case 'discard':
        return discard(a.key);
    }
  }

  /** openPhoto shows a photo full screen (a hidden spoiler is revealed first, by its own tap). */
  function openPhoto(key: string) {
    const m = conv.find(key);
    if (m?.media?.kind === 'photo' && !spoilers.hidden(m)) viewing.value = key;
  }

  /** reply sets (or with null clears) the message the next one quotes; only stored messages can be quoted. */
  function reply(id: string | null) {
    replyTo.value = id !== null && conv.has(id) && !closed.value ? id : null;
  }

  function sendTyping() {
    if (!closed.value) typing.typing();
  }

  /** seen: a partner message is on screen (the view reports it); read markers follow. */
  function seen(id: string) {
    if (!disposed) reads.seen(id);
  }

  function dispose() {
    disposed = true;
    subscription?.close();
    subscription = null;
    offState();
    history.stop();
    typing.dispose();
    outbox.dispose();
    uploads.dispose();
    recorder.dispose();
    attachment.clear();
    reads.dispose();
    presence.stop();
    for (const t of timers) clearTimeout(t);
    timers.clear();
  }

  /**
   * leave tells the server (idempotent) and keeps the finished conversation
   * on screen, closed, for the user to read; it resolves with whether the
   * server heard it (what a block depends on).
   */
  async function leave(o: { block?: boolean } = {}): Promise<boolean> {
    subscription?.close();
    subscription = null;
    closed.value = true;
    let ok = true;
    try {
      await (o.block ? api.leaveRoom(room.id, { block: true }) : api.leaveRoom(room.id));
    } catch {
      ok = false; // the room expires on its own; nothing the user can do about a failed leave
    }
    markClosed('me');
    return ok;
  }

  /** report sends the report (which also ends the room and blocks the pair); it throws when the server did not take it. */
  async function report(r: ReportRequest): Promise<void> {
    const body: ReportRequest = r.comment?.trim() ? { reason: r.reason, comment: r.comment.trim() } : { reason: r.reason };
    await api.reportRoom(room.id, body);
    closed.value = true;
    outbox.failAll();
    uploads.failAll();
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
    outbox.failAll();
    uploads.failAll();
    dispose();
  }

  void open();

  return {
    room,
    mode,
    items: conv.items,
    partnerTyping: typing.partnerTyping,
    presence: presence.presence,
    partnerOnline: computed(() => presence.presence.value === 'online'),
    partnerLeft,
    closed,
    closedBy,
    loading: history.loading,
    hasOlder: history.hasOlder,
    loadingOlder: history.loadingOlder,
    truncated: history.truncated,
    gone,
    /** ✓✓ on own messages up to this id. */
    partnerRead: reads.partner,
    replyTo,
    linkRefusal,
    mediaRefusal,
    find: (id: string): ChatMessage | undefined => conv.byId(id),
    /** The message on screen with this key. */
    byKey: (key: string): ChatMessage | undefined => conv.find(key),
    send,
    retry,
    /** Photos and voice messages can be sent here (not a room of minors). */
    mediaAllowed,
    /** A voice message can be recorded here (media allowed, and the platform records). */
    canRecord: mediaAllowed && canRecord(recorderEnv),
    cache,
    attachment: attachment.current,
    recorder,
    media,
    sendVoice,
    /** A partner's spoiler photo not tapped yet. */
    spoilerHidden: spoilers.hidden,
    reveal: spoilers.reveal,
    /** The key of the message whose photo is open full screen. */
    viewing,
    reply,
    typing: sendTyping,
    seen,
    loadOlder: history.loadOlder,
    reload: () => history.reload(refreshInfo),
    leave,
    report,
    clear,
    dispose,
  };
}

export type UseChat = ReturnType<typeof useChat>;
