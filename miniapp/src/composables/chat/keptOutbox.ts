import type { MessageMedia } from '../../api/types';
import { parseMedia } from '../../realtime/events';
import type { KeyValueStore } from '../roomMemory';
import type { ChatMessage } from './conversation';

/** A message waiting in the outbox, as kept across launches. */
export interface KeptMessage {
  client_msg_id: string;
  text: string;
  reply_to: string | null;
  ts: number;
  /** A stored upload the message sends (an upload not stored yet is not kept: its bytes are not). */
  media?: MessageMedia;
}

export const OUTBOX_KEY_PREFIX = 'tetatet.outbox.';

function kept(m: unknown): KeptMessage | null {
  if (typeof m !== 'object' || m === null) return null;
  const r = m as Record<string, unknown>;
  if (typeof r.client_msg_id !== 'string' || r.client_msg_id === '' || typeof r.text !== 'string' || typeof r.ts !== 'number') return null;
  if (r.reply_to !== null && typeof r.reply_to !== 'string') return null;
  const out: KeptMessage = { client_msg_id: r.client_msg_id, text: r.text, reply_to: r.reply_to, ts: r.ts };
  if (r.media !== undefined) {
    const media = parseMedia(r.media);
    if (!media) return null;
    out.media = media;
  }
  return out;
}

/**
 * keptOutbox keeps a room's unsent messages in Web Storage, so an app closed
 * while offline sends them (with their client_msg_id, stored once) when the
 * room opens again. Without storage, or when it throws, nothing is kept.
 */
export function keptOutbox(store: KeyValueStore | null | undefined, roomId: string) {
  const key = OUTBOX_KEY_PREFIX + roomId;
  return {
    load(): KeptMessage[] {
      try {
        const raw = store?.getItem(key);
        if (!raw) return [];
        const parsed: unknown = JSON.parse(raw);
        if (!Array.isArray(parsed)) return [];
        return parsed.flatMap((m) => kept(m) ?? []);
      } catch {
        return [];
      }
    },
    save(pending: ChatMessage[]): void {
      if (!store) return;
      try {
        const list = pending.flatMap((m): KeptMessage[] => {
          const base = { client_msg_id: m.clientMsgId ?? '', text: m.text, reply_to: m.replyTo, ts: m.ts };
          if (!m.media) return [base];
          if (m.media.id === null) return [];
          const media: MessageMedia = { id: m.media.id, kind: m.media.kind, spoiler: m.media.spoiler };
          if (m.media.width > 0 && m.media.height > 0) Object.assign(media, { width: m.media.width, height: m.media.height });
          if (m.media.durationMs > 0) media.duration_ms = m.media.durationMs;
          return [{ ...base, media }];
        });
        if (list.length === 0) store.removeItem(key);
        else store.setItem(key, JSON.stringify(list));
      } catch {
        // No storage: unsent messages are lost with the app.
      }
    },
  };
}
