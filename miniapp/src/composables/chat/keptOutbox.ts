import type { KeyValueStore } from '../roomMemory';
import type { ChatMessage } from './conversation';

/** A message waiting in the outbox, as kept across launches. */
export interface KeptMessage {
  client_msg_id: string;
  text: string;
  reply_to: string | null;
  ts: number;
}

export const OUTBOX_KEY_PREFIX = 'tetatet.outbox.';

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
        return parsed.filter(
          (m): m is KeptMessage =>
            typeof m === 'object' && m !== null && typeof m.client_msg_id === 'string' && m.client_msg_id !== '' &&
            typeof m.text === 'string' && typeof m.ts === 'number' && (m.reply_to === null || typeof m.reply_to === 'string'),
        );
      } catch {
        return [];
      }
    },
    save(pending: ChatMessage[]): void {
      if (!store) return;
      try {
        if (pending.length === 0) store.removeItem(key);
        else
          store.setItem(
            key,
            JSON.stringify(pending.map((m): KeptMessage => ({ client_msg_id: m.clientMsgId ?? '', text: m.text, reply_to: m.replyTo, ts: m.ts }))),
          );
      } catch {
        // No storage: unsent messages are lost with the app.
      }
    },
  };
}
