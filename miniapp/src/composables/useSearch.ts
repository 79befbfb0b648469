import { computed, ref, shallowRef } from 'vue';
import type { ApiClient } from '../api/client';
import { ApiError, isApiError } from '../api/errors';
import type { QueueStatus, Room, SearchFilters, SearchStatus } from '../api/types';
import type { I18n } from '../i18n';
import type { Realtime } from '../realtime/types';

export const ADULT_AGE = 18;

/** ageBounds is the partner age range a user may ask for: minors only meet minors, adults only adults. */
export function ageBounds(ownAge: number): { min: number; max: number } {
  return ownAge < ADULT_AGE ? { min: 16, max: 17 } : { min: 18, max: 99 };
}

export function defaultFilters(ownAge: number): SearchFilters {
  const { min, max } = ageBounds(ownAge);
  return { gender: 'any', age_from: min, age_to: max };
}

export function filtersValid(f: SearchFilters, ownAge: number): boolean {
  const { min, max } = ageBounds(ownAge);
  const ok = (n: number) => Number.isInteger(n) && n >= min && n <= max;
  return ok(f.age_from) && ok(f.age_to) && f.age_from <= f.age_to;
}

/** How long a search lasts when GET /api/config does not say (an older API): SEARCH_TTL's default, 10 minutes. */
export const DEFAULT_SEARCH_TTL_S = 600;

/** searchTtlOf reads GET /api/config's `search_ttl_s`: a positive number of seconds, else the default. */
export function searchTtlOf(config: { search_ttl_s?: unknown }): number {
  const s = config.search_ttl_s;
  return typeof s === 'number' && Number.isFinite(s) && s > 0 ? Math.ceil(s) : DEFAULT_SEARCH_TTL_S;
}

/**
 * searchLifetime says how long a search lasts, for "The search stops by itself after …": whole minutes
 * as minutes ("5 minutes", "21 минуту"); otherwise seconds under 10 minutes ("90 seconds"), where a
 * rounded minute would be off by a large share, and the nearest minute from 10 minutes on.
 */
export function searchLifetime(seconds: number, tn: I18n['tn']): string {
  const s = Math.ceil(seconds);
  if (s % 60 === 0) return tn('searchMinutes', s / 60);
  if (s < 600) return tn('searchSeconds', s);
  return tn('searchMinutes', Math.round(s / 60));
}

/** formatElapsed renders seconds as mm:ss (minutes keep growing past 59). */
export function formatElapsed(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * idle ──start──► starting ──POST waiting──► waiting ──push matched──► matched
 *                    │ POST matched ──────────────────────────────────►  ▲
 * waiting ──cancel──► cancelling ──204──► idle;  409 already_matched ────┘
 * waiting ──push search_expired──► idle (notice 'expired')
 */
export type SearchPhase = 'idle' | 'starting' | 'waiting' | 'cancelling' | 'matched';
export type SearchNotice = 'expired' | null;

type SearchApi = Pick<ApiClient, 'startSearch' | 'getSearch' | 'cancelSearch' | 'getQueue'>;

/**
 * While waiting, GET /api/search is asked this often: the match normally
 * comes by push, but a push lost on the way must not strand the user on
 * "searching" for ever. GET /api/queue (who is around) is read as often.
 */
export const SEARCH_RECHECK_MS = 15_000;
/** After this long without a match the waiting screen suggests one wider filter (GET /api/queue?…&suggest=1). */
export const WIDEN_AFTER_MS = 30_000;
type SearchRealtime = Pick<Realtime, 'onPersonal' | 'onConnected'>;

export interface SearchOptions {
  onMatched?: (room: Room) => void;
  now?: () => number;
  /** WIDEN_AFTER_MS unless set (the browser test shortens it with ?widen_after_s=N). */
  widenAfterMs?: number;
}

/**
 * widenAfterFromQuery reads `widen_after_s` (seconds, up to an hour) from the
 * page's query string: a setting of the browser tests, harmless anywhere
 * (it only changes when this user's own app suggests a wider filter).
 */
export function widenAfterFromQuery(search: string): number | undefined {
  const raw = new URLSearchParams(search).get('widen_after_s');
  const s = raw === null ? NaN : Number(raw);
  return Number.isFinite(s) && s > 0 && s <= 3600 ? Math.round(s * 1000) : undefined;
}

/** useSearch is the search state machine; the match itself arrives by push, GET is only a fallback. */
export function useSearch(api: SearchApi, realtime: SearchRealtime, opts: SearchOptions = {}) {
  const now = opts.now ?? Date.now;
  const phase = ref<SearchPhase>('idle');
  const room = shallowRef<Room | null>(null);
  const notice = ref<SearchNotice>(null);
  const error = shallowRef<ApiError | null>(null);
  const filters = ref<SearchFilters | null>(null);
  const startedAt = ref<number | null>(null);
  const clock = ref(now());
  /** Who is around for the running search; null until the server said (or when it cannot). */
  const queue = shallowRef<QueueStatus | null>(null);
  /** The search has waited WIDEN_AFTER_MS: queue reads ask for a wider filter too. */
  const widenDue = ref(false);
  const widenAfterMs = opts.widenAfterMs ?? WIDEN_AFTER_MS;
  let ticker: ReturnType<typeof setInterval> | undefined;
  let recheck: ReturnType<typeof setInterval> | undefined;
  let widenTimer: ReturnType<typeof setTimeout> | undefined;
  let pendingStart: Promise<void> | null = null;

  const elapsed = computed(() => (startedAt.value === null ? 0 : Math.floor((clock.value - startedAt.value) / 1000)));
  const searching = computed(() => phase.value === 'starting' || phase.value === 'waiting' || phase.value === 'cancelling');

  // A function, not a comparison, so TypeScript does not narrow the phase across awaits.
  const is = (p: SearchPhase) => phase.value === p;

  function setPhase(next: SearchPhase) {
    phase.value = next;
    const counting = next === 'starting' || next === 'waiting' || next === 'cancelling';
    if (counting && ticker === undefined) {
      startedAt.value ??= now();
      clock.value = now();
      ticker = setInterval(() => (clock.value = now()), 1000);
    } else if (!counting) {
      clearInterval(ticker);
      ticker = undefined;
      startedAt.value = null;
    }
    if (next === 'waiting' && recheck === undefined) {
      void readQueue();
      recheck = setInterval(() => {
        if (phase.value !== 'waiting') return;
        void refresh();
        void readQueue();
      }, SEARCH_RECHECK_MS);
      const waited = startedAt.value === null ? 0 : now() - startedAt.value;
      widenTimer = setTimeout(() => {
        widenDue.value = true;
        if (phase.value === 'waiting') void readQueue();
      }, Math.max(0, widenAfterMs - waited));
    } else if (!counting) {
      clearInterval(recheck);
      recheck = undefined;
      clearTimeout(widenTimer);
      widenTimer = undefined;
      widenDue.value = false;
      queue.value = null;
    }
  }

  function matched(r: Room) {
    if (phase.value === 'matched') return;
    room.value = r;
    setPhase('matched');
    opts.onMatched?.(r);
  }

  function toIdle(n: SearchNotice = null) {
    room.value = null;
    notice.value = n;
    setPhase('idle');
  }

  function apply(status: SearchStatus) {
    if (status.state === 'matched') matched(status.room);
    else if (status.state === 'waiting') setPhase('waiting');
    else toIdle(status.state === 'expired' ? 'expired' : null);
  }

  async function run(f: SearchFilters): Promise<void> {
    try {
      const res = await api.startSearch(f);
      if (!is('starting')) return; // a push got here first
      if (res.state === 'matched') matched(res.room);
      else setPhase('waiting');
    } catch (err) {
      if (!is('starting')) return;
      error.value = toApiError(err);
      toIdle();
    }
  }

  async function start(f: SearchFilters): Promise<void> {
    if (!is('idle')) return;
    filters.value = { ...f };
    notice.value = null;
    error.value = null;
    startedAt.value = null;
    setPhase('starting');
    pendingStart = run(f);
    await pendingStart;
    pendingStart = null;
  }

  async function cancel(): Promise<void> {
    if (is('starting') && pendingStart) await pendingStart;
    if (!is('waiting')) return;
    setPhase('cancelling');
    try {
      await api.cancelSearch();
      if (is('cancelling')) toIdle();
    } catch (err) {
      if (!is('cancelling')) return;
      if (isApiError(err, 'already_matched')) {
        await refresh(); // the push may still be on its way: take the room from GET
        if (is('cancelling')) setPhase('waiting');
        return;
      }
      error.value = toApiError(err);
      setPhase('waiting');
    }
  }

  /** refresh asks the server for the search state: after a reconnect, or when the app opens (quiet: no notice). */
  async function refresh(quiet = false): Promise<void> {
    try {
      const status = await api.getSearch();
      if (quiet && status.state === 'expired') toIdle();
      else apply(status);
    } catch (err) {
      error.value = toApiError(err);
    }
  }

  /**
   * readQueue asks who is around for the running search (with a wider
   * filter once it waited long enough); a server without /api/queue just
   * shows no count.
   */
  async function readQueue(): Promise<void> {
    const f = filters.value;
    if (!f) return;
    try {
      const q = await (widenDue.value ? api.getQueue(f, { suggest: true }) : api.getQueue(f));
      if (phase.value === 'waiting') queue.value = q;
    } catch {
      // The count is a nicety; searching goes on without it.
    }
  }

  /** adopt takes a room that opened without a search of this app's (both wished to talk again): it shows like a match. */
  function adopt(r: Room) {
    if (room.value?.id === r.id) return;
    if (phase.value !== 'idle') setPhase('idle');
    room.value = null;
    matched(r);
  }

  /** The one wider filter the waiting screen suggests (after WIDEN_AFTER_MS), when the server has one. */
  const suggestion = computed(() => (widenDue.value && phase.value === 'waiting' ? (queue.value?.wider ?? null) : null));

  /** reset forgets the finished match so the next search can start. */
  function reset() {
    error.value = null;
    toIdle();
  }

  const offPersonal = realtime.onPersonal((event) => {
    if (event.type === 'matched' && searching.value) matched(event.room);
    else if (event.type === 'search_expired' && (phase.value === 'waiting' || phase.value === 'cancelling')) {
      toIdle('expired');
    }
  });
  // A push may have been missed while the socket was down: ask once, after each connect.
  const offConnected = realtime.onConnected(() => {
    if (phase.value === 'waiting') void refresh();
  });

  function dispose() {
    offPersonal();
    offConnected();
    clearInterval(ticker);
    clearInterval(recheck);
    clearTimeout(widenTimer);
  }

  return { phase, room, notice, error, filters, elapsed, searching, queue, suggestion, start, cancel, refresh, reset, adopt, dispose };
}

export type UseSearch = ReturnType<typeof useSearch>;

export function toApiError(err: unknown): ApiError {
  return isApiError(err) ? err : new ApiError(0, 'network', err instanceof Error ? err.message : String(err));
}
