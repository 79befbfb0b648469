import { ref } from 'vue';
import type { ApiClient } from '../../api/client';
import { isApiError } from '../../api/errors';
import type { HistoryMessage, StreamPosition } from '../../api/types';
import type { Conversation } from './conversation';
import { compareIds } from './ids';

/** Messages per history request (the API's maximum). */
export const HISTORY_PAGE = 100;
/** How much of the conversation is loaded by itself when a room opens; older pages load on scroll. */
export const HISTORY_AT_OPEN = 500;
/** Delays before retrying a history load that failed (network, 5xx); the last one repeats. */
export const HISTORY_RETRY_MS = [1000, 2000, 5000, 10000];

export const isGone = (err: unknown) => isApiError(err, 'not_found') || isApiError(err, 'forbidden');

export interface HistoryOptions {
  api: Pick<ApiClient, 'getMessages'>;
  roomId: string;
  conversation: Conversation;
  onGone: () => void;
  later: (fn: () => void, ms: number) => void;
}

/**
 * useHistory loads the conversation from the API: the newest pages first
 * (their `stream` is where the live subscription starts), older ones up to
 * HISTORY_AT_OPEN by themselves and more on request, and after a failed
 * recovery everything from the newest back to what is already shown.
 * `truncated` says the server dropped older messages (its per-room cap).
 */
export function useHistory(opts: HistoryOptions) {
  const { api, conversation: conv } = opts;
  const loading = ref(true);
  const hasOlder = ref(false);
  const loadingOlder = ref(false);
  const truncated = ref(false);
  /** The conversation up to some point has been loaded from the API (not just live messages). */
  let loaded = false;
  let reloading: Promise<void> | null = null;
  let reloadAgain = false;
  let stopped = false;

  function takePage(messages: HistoryMessage[]) {
    for (const m of messages) conv.take(m);
  }

  /**
   * fillFromNewest loads pages from the newest back until one reaches
   * `untilId` (already shown, so nothing in between is missing), the start,
   * or the open-time limit; it returns the first page's stream position.
   */
  async function fillFromNewest(untilId: string | null): Promise<{ stream: StreamPosition; hasMore: boolean }> {
    let before: string | undefined;
    let fetched = 0;
    let stream: StreamPosition | null = null;
    for (;;) {
      const page = await api.getMessages(opts.roomId, before === undefined ? { limit: HISTORY_PAGE } : { before, limit: HISTORY_PAGE });
      if (stopped) return { stream: page.stream, hasMore: page.has_more };
      stream ??= page.stream;
      takePage(page.messages);
      if (!page.has_more && page.truncated) truncated.value = true;
      fetched += page.messages.length;
      const first = page.messages[0];
      if (!page.has_more || !first || untilId === null || compareIds(first.id, untilId) <= 0 || fetched >= HISTORY_AT_OPEN) {
        return { stream, hasMore: page.has_more };
      }
      before = first.id;
    }
  }

  /** open loads the newest part; it resolves with the stream position, or undefined when the API failed. */
  async function open(): Promise<StreamPosition | undefined> {
    try {
      const res = await fillFromNewest(null);
      hasOlder.value = res.hasMore;
      loaded = true;
      return res.stream;
    } catch (err) {
      if (isGone(err)) opts.onGone();
      return undefined;
    } finally {
      loading.value = false;
    }
  }

  /** loadOlder prepends the page before the oldest message shown (scrolling to the top). */
  async function loadOlder(): Promise<void> {
    const before = conv.oldestId();
    if (!hasOlder.value || loadingOlder.value || before === null || stopped) return;
    loadingOlder.value = true;
    try {
      const page = await api.getMessages(opts.roomId, { before, limit: HISTORY_PAGE });
      if (stopped) return;
      takePage(page.messages);
      hasOlder.value = page.has_more;
      if (!page.has_more && page.truncated) truncated.value = true;
    } catch (err) {
      if (isGone(err)) opts.onGone();
      // Otherwise hasOlder stays: the next scroll to the top tries again.
    } finally {
      loadingOlder.value = false;
    }
  }

  /** fillOlder loads older pages by themselves up to HISTORY_AT_OPEN messages. */
  async function fillOlder(): Promise<void> {
    while (hasOlder.value && conv.storedCount() < HISTORY_AT_OPEN && !stopped) {
      const before = conv.storedCount();
      await loadOlder();
      if (conv.storedCount() === before) break; // failed or empty: the user can scroll up to retry
    }
  }

  /**
   * reload fills what the channel could not deliver (a failed recovery, or a
   * history load that failed at open), then runs `after` (re-reading the
   * room). It retries until it gets through; calls while one runs make it
   * run once more.
   */
  function reload(after: () => Promise<void>): Promise<void> {
    if (reloading) {
      reloadAgain = true;
      return reloading;
    }
    reloading = (async () => {
      for (let attempt = 0; !stopped; attempt++) {
        reloadAgain = false;
        try {
          const complete = loaded;
          const res = await fillFromNewest(complete ? conv.newestId() : conv.oldestId());
          if (!complete) hasOlder.value = res.hasMore;
          loaded = true;
          await after();
          if (!reloadAgain) return;
        } catch (err) {
          if (isGone(err)) return opts.onGone();
          const delay = HISTORY_RETRY_MS[Math.min(attempt, HISTORY_RETRY_MS.length - 1)]!;
          await new Promise<void>((r) => opts.later(r, delay));
        }
      }
    })().finally(() => (reloading = null));
    return reloading;
  }

  function stop() {
    stopped = true;
  }

  return { loading, hasOlder, loadingOlder, truncated, open, loadOlder, fillOlder, reload, isLoaded: () => loaded, stop };
}

export type History = ReturnType<typeof useHistory>;
