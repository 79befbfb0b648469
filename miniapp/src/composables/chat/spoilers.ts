import { ref } from 'vue';
import type { ChatMessage } from './conversation';

/**
 * useSpoilers remembers which of the partner's spoiler photos the user
 * tapped open, for as long as the room is on screen (like Telegram, a
 * reopened chat hides them again). The sender always sees their own photo.
 * A hidden photo's full picture is not even downloaded: only its blurred
 * preview is.
 */
export function useSpoilers() {
  const revealed = ref(new Set<string>());

  function hidden(m: Pick<ChatMessage, 'mine' | 'id' | 'media'>): boolean {
    if (m.mine || !m.media || m.media.kind !== 'photo' || !m.media.spoiler) return false;
    return m.id === null || !revealed.value.has(m.id);
  }

  function reveal(id: string) {
    if (revealed.value.has(id)) return;
    const next = new Set(revealed.value);
    next.add(id);
    revealed.value = next;
  }

  return { hidden, reveal };
}

export type Spoilers = ReturnType<typeof useSpoilers>;
