import { ref } from 'vue';
import type { ApiClient } from '../../api/client';

export const TYPING_SEND_INTERVAL_MS = 2500;
export const TYPING_SHOW_MS = 3000;

/**
 * useTyping: `typing()` is called on every keystroke and reaches the API at
 * most every 2.5 s, also across sends, so a fast typist stays inside the
 * server's 1/s limit; the partner's indicator lasts 3 s after each signal.
 */
export function useTyping(api: Pick<ApiClient, 'sendTyping'>, roomId: string, now: () => number = () => Date.now()) {
  const partnerTyping = ref(false);
  let lastSent = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function typing() {
    const t = now();
    if (t - lastSent < TYPING_SEND_INTERVAL_MS) return;
    lastSent = t;
    api.sendTyping(roomId).catch(() => {});
  }

  function partner(on: boolean) {
    clearTimeout(timer);
    partnerTyping.value = on;
    if (on) timer = setTimeout(() => (partnerTyping.value = false), TYPING_SHOW_MS);
  }

  function dispose() {
    clearTimeout(timer);
    partnerTyping.value = false;
  }

  return { partnerTyping, typing, partner, dispose };
}
