import { ref } from 'vue';
import type { ApiClient } from '../api/client';
import { isTransient } from '../api/errors';
import type { Rating } from '../api/types';
import type { KeyValueStore } from './roomMemory';

/** Rooms the user was asked "How was it?" about (answered or skipped), newest last, in localStorage. */
export const RATED_KEY = 'tetatet.rated';
/** How many such rooms are remembered: rooms expire within a day, so a short list is plenty. */
export const RATED_KEEP = 100;
/** A rating that got no answer is sent once more after this long. */
export const RATING_RETRY_MS = 3000;
/** "Thanks" stays this long. */
export const RATING_THANKS_MS = 2500;

/** What the end of a chat shows: the question, the thanks after an answer, or nothing. */
export type RatingPrompt = 'ask' | 'thanks' | null;

export interface RatingOptions {
  api: Pick<ApiClient, 'rateRoom'>;
  store?: KeyValueStore | null;
}

/**
 * useRating asks "How was it?" 👍 / 👎 once per room after it ended,
 * skippable. The answer is private: it goes to the server and nowhere
 * else (never to the partner). A room asked about is remembered, so
 * reopening it does not ask again.
 */
export function useRating(opts: RatingOptions) {
  const { api } = opts;
  const done = ref<string[]>(read());
  const thanked = ref<string | null>(null);
  let thanksTimer: ReturnType<typeof setTimeout> | undefined;

  function read(): string[] {
    try {
      const v: unknown = JSON.parse(opts.store?.getItem(RATED_KEY) ?? '[]');
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  function mark(roomId: string) {
    if (done.value.includes(roomId)) return;
    done.value = [...done.value, roomId].slice(-RATED_KEEP);
    try {
      opts.store?.setItem(RATED_KEY, JSON.stringify(done.value));
    } catch {
      // Without storage a reopened room may ask again; the server ignores a second answer.
    }
  }

  /** prompt is what the ended room `roomId` shows. */
  function prompt(roomId: string): RatingPrompt {
    if (thanked.value === roomId) return 'thanks';
    return done.value.includes(roomId) ? null : 'ask';
  }

  function send(roomId: string, value: Rating, retried = false) {
    api.rateRoom(roomId, value).catch((err: unknown) => {
      // 409 room_active cannot happen once ended; a repeat is ignored by the server: only no answer is worth a retry.
      if (!retried && isTransient(err)) setTimeout(() => send(roomId, value, true), RATING_RETRY_MS);
    });
  }

  function answer(roomId: string, value: Rating) {
    if (done.value.includes(roomId)) return;
    mark(roomId);
    send(roomId, value);
    thanked.value = roomId;
    clearTimeout(thanksTimer);
    thanksTimer = setTimeout(() => (thanked.value = null), RATING_THANKS_MS);
  }

  /** skip, or the room left the screen while asking: it is not asked again. */
  function skip(roomId: string) {
    mark(roomId);
  }

  return { prompt, answer, skip };
}

export type UseRating = ReturnType<typeof useRating>;
