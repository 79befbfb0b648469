import { ref } from 'vue';
import type { HistoryMessage, MediaKind, MessageMedia } from '../../api/types';
import type { MessageKey, Params } from '../../i18n';
import { compareIds } from './ids';

/** pending: not stored yet (queued, sending or waiting to retry); failed: the server refused it. */
export type MessageStatus = 'pending' | 'sent' | 'failed';
/**
 * Why the server refused a message: `refused` in general; for media, the
 * file is not a photo or voice message it can read (`invalid`), too large,
 * or the room is one of minors.
 */
export type SendFailure = 'refused' | 'invalid' | 'too_large' | 'minors' | null;

/** The photo or voice message of a bubble. */
export interface ChatMedia {
  kind: MediaKind;
  /** The server's media id; null until an own upload is stored. */
  id: string | null;
  /** The media cache's key for the bytes of an own upload (shown before and after it is stored); null for received media. */
  local: string | null;
  /** Photos: pixels (0 while not known yet); the bubble keeps this aspect ratio before the picture has loaded. */
  width: number;
  height: number;
  /** Voice: length in milliseconds (0 while not known). */
  durationMs: number;
  /** The partner sees it blurred until tapped. */
  spoiler: boolean;
}

/**
 * An own upload not stored yet. preparing: a photo being downscaled;
 * queued behind another upload; uploading (progress 0–1); waiting to be
 * retried after a transient failure; failed: refused (the message's
 * `failure` says why).
 */
export type UploadPhase = 'preparing' | 'queued' | 'uploading' | 'waiting' | 'failed';

export interface UploadState {
  phase: UploadPhase;
  progress: number;
}

/** mediaKey is where the media cache keeps a message's bytes. */
export const mediaKey = (m: ChatMedia): string | null => m.id ?? m.local;

export function chatMedia(m: MessageMedia, local: string | null = null): ChatMedia {
  return {
    kind: m.kind,
    id: m.id,
    local,
    width: m.width ?? 0,
    height: m.height ?? 0,
    durationMs: m.duration_ms ?? 0,
    spoiler: m.spoiler,
  };
}

export interface ChatMessage {
  kind: 'message';
  key: string;
  /** Server id; null until the message is stored. */
  id: string | null;
  /** Set on own messages; every resend reuses it so the server stores the message once. */
  clientMsgId: string | null;
  mine: boolean;
  text: string;
  ts: number;
  status: MessageStatus;
  failure: SendFailure;
  /** The id of the message this one quotes. */
  replyTo: string | null;
  /** A photo or voice message; `text` is then its caption ('' for none). */
  media: ChatMedia | null;
  /** An own media message whose upload is not stored yet. */
  upload: UploadState | null;
}

export interface SystemLine {
  kind: 'system';
  key: string;
  text: MessageKey;
  params?: Params;
}

export type ChatItem = ChatMessage | SystemLine;

/**
 * useConversation is the list on screen: messages in server-id order (own
 * messages not stored yet at the end, in the order they were written) with
 * system lines where they happened. A stored message is shown once: by its
 * id, and an own one also by its client_msg_id, which is how a local copy
 * and the stored copy (from the POST answer, the channel or the history)
 * become one bubble.
 */
export function useConversation(me: string) {
  const items = ref<ChatItem[]>([]);
  const shownIds = new Set<string>();
  let seq = 0;
  const nextKey = () => `k${++seq}`;

  const serverId = (i: ChatItem): string | null => (i.kind === 'message' ? i.id : null);

  function find(key: string): ChatMessage | undefined {
    const found = items.value.find((i) => i.key === key);
    return found?.kind === 'message' ? found : undefined;
  }

  function byClientId(clientMsgId: string): ChatMessage | undefined {
    const found = items.value.find((i) => i.kind === 'message' && i.clientMsgId === clientMsgId);
    return found?.kind === 'message' ? found : undefined;
  }

  function byId(id: string): ChatMessage | undefined {
    const found = items.value.find((i) => i.kind === 'message' && i.id === id);
    return found?.kind === 'message' ? found : undefined;
  }

  /** insertSorted puts a stored message before the first one with a greater id, else before the unstored own ones. */
  function insertSorted(msg: ChatMessage) {
    const list = items.value;
    const id = msg.id;
    let at = -1;
    if (id !== null) {
      at = list.findIndex((i) => {
        const s = serverId(i);
        return s !== null && compareIds(s, id) > 0;
      });
      if (at < 0) at = list.findIndex((i) => i.kind === 'message' && i.id === null && i.mine);
    }
    if (at < 0) list.push(msg);
    else list.splice(at, 0, msg);
  }

  /** reposition moves a message that just got its server id to where that id belongs. */
  function reposition(key: string) {
    const list = items.value;
    const at = list.findIndex((i) => i.key === key);
    const msg = list[at];
    if (!msg || msg.kind !== 'message') return;
    list.splice(at, 1);
    insertSorted(msg);
  }

  /** addLocal shows an own message that is not stored yet, at the end. */
  function addLocal(
    text: string,
    clientMsgId: string,
    replyTo: string | null,
    ts: number,
    media: ChatMedia | null = null,
    upload: UploadState | null = null,
  ): ChatMessage {
    const msg: ChatMessage = {
      kind: 'message',
      key: nextKey(),
      id: null,
      clientMsgId,
      mine: true,
      text,
      ts,
      status: 'pending',
      failure: null,
      replyTo,
      media,
      upload,
    };
    items.value.push(msg);
    return find(msg.key)!;
  }

  /**
   * stored records that an own local message is stored as `id`; returns false
   * when that id is already on screen as another bubble, which then stays and
   * the local one goes (one bubble per stored message).
   */
  function stored(key: string, id: string, ts: number): boolean {
    const msg = find(key);
    if (!msg) return false;
    if (shownIds.has(id) && msg.id !== id) {
      remove(key);
      return false;
    }
    shownIds.add(id);
    Object.assign(msg, { id, ts, status: 'sent', failure: null });
    reposition(key);
    return true;
  }

  /**
   * take shows a stored message (from the channel or the API) unless it is
   * on screen already. An own message carrying the client_msg_id of a local
   * copy completes that copy. Returns what happened.
   */
  function take(m: HistoryMessage): 'new' | 'merged' | 'known' {
    if (shownIds.has(m.id)) return 'known';
    const mine = m.from === me;
    if (mine && m.client_msg_id) {
      const local = byClientId(m.client_msg_id);
      if (local) {
        if (local.media && m.media) Object.assign(local.media, { id: m.media.id, spoiler: m.media.spoiler });
        stored(local.key, m.id, m.ts);
        return 'merged';
      }
    }
    shownIds.add(m.id);
    insertSorted({
      kind: 'message',
      key: nextKey(),
      id: m.id,
      clientMsgId: m.client_msg_id ?? null,
      mine,
      text: m.text ?? '',
      ts: m.ts,
      status: 'sent',
      failure: null,
      replyTo: m.reply_to ?? null,
      media: m.media ? chatMedia(m.media) : null,
      upload: null,
    });
    return 'new';
  }

  function has(id: string): boolean {
    return shownIds.has(id);
  }

  function remove(key: string) {
    items.value = items.value.filter((i) => i.key !== key);
  }

  function system(text: MessageKey, params?: Params) {
    items.value.push({ kind: 'system', key: nextKey(), text, params });
  }

  /** oldestId is the first stored message on screen, null when none. */
  function oldestId(): string | null {
    for (const i of items.value) if (i.kind === 'message' && i.id !== null) return i.id;
    return null;
  }

  /** newestId is the greatest stored id on screen, null when none. */
  function newestId(): string | null {
    let newest: string | null = null;
    for (const id of shownIds) if (newest === null || compareIds(id, newest) > 0) newest = id;
    return newest;
  }

  function storedCount(): number {
    return shownIds.size;
  }

  return { items, find, byId, byClientId, addLocal, stored, take, has, remove, system, oldestId, newestId, storedCount };
}

export type Conversation = ReturnType<typeof useConversation>;
