import { shallowRef } from 'vue';
import type { ApiClient } from '../api/client';
import type { QueueStatus, RoundedCount, SearchFilters, WiderFilter } from '../api/types';
import type { PluralKey, Translate } from '../i18n';

/** The filters screen asks GET /api/queue this long after the filter last changed. */
export const QUEUE_DEBOUNCE_MS = 400;
/** …and again this often while the screen stays open with the same filter. */
export const QUEUE_REFRESH_MS = 15_000;

type Tn = (key: PluralKey, n: number) => string;

export interface QueueWatchOptions {
  api: Pick<ApiClient, 'getQueue'>;
  debounceMs?: number;
  refreshMs?: number;
}

const same = (a: SearchFilters | null, b: SearchFilters | null) =>
  a === b || (a !== null && b !== null && a.gender === b.gender && a.age_from === b.age_from && a.age_to === b.age_to);

/**
 * createQueueWatch keeps "who is around" for the filter being chosen: each
 * change waits QUEUE_DEBOUNCE_MS for the next (typing an age is several
 * changes), a request for an older filter is aborted and its answer never
 * shown, and the count is read again every QUEUE_REFRESH_MS. `watch(null)`
 * stops (the screen left, or the filter is not valid).
 */
export function createQueueWatch(opts: QueueWatchOptions) {
  const debounceMs = opts.debounceMs ?? QUEUE_DEBOUNCE_MS;
  const refreshMs = opts.refreshMs ?? QUEUE_REFRESH_MS;
  const status = shallowRef<QueueStatus | null>(null);
  /** The filter `status` answers for. */
  const answered = shallowRef<SearchFilters | null>(null);
  let current: SearchFilters | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: AbortController | null = null;
  let seq = 0;

  function stopRequest() {
    clearTimeout(timer);
    timer = undefined;
    inFlight?.abort();
    inFlight = null;
  }

  async function read(f: SearchFilters) {
    const mine = ++seq;
    const ctl = new AbortController();
    inFlight = ctl;
    try {
      const q = await opts.api.getQueue(f, { signal: ctl.signal });
      if (mine !== seq) return;
      status.value = q;
      answered.value = f;
    } catch {
      // The count is a nicety: an old one stays until the next answer (or none is shown).
    } finally {
      if (mine === seq) {
        inFlight = null;
        schedule(refreshMs);
      }
    }
  }

  function schedule(ms: number) {
    clearTimeout(timer);
    const f = current;
    if (!f) return;
    timer = setTimeout(() => {
      timer = undefined;
      void read(f);
    }, ms);
  }

  function watch(f: SearchFilters | null) {
    if (same(f, current)) return;
    current = f ? { ...f } : null;
    seq++; // whatever is on the way is for another filter now
    stopRequest();
    if (!current) {
      status.value = null;
      answered.value = null;
      return;
    }
    schedule(debounceMs);
  }

  return { status, answered, watch, dispose: () => watch(null) };
}

export type QueueWatch = ReturnType<typeof createQueueWatch>;

/** countText is a rounded count of people searching who fit: "<3" is never shown as a number. */
export function fitText(c: RoundedCount, t: Translate, tn: Tn): string {
  return c === '<3' ? t('queueFitFew') : tn('queueFit', c);
}

/** waitText says an expected wait humanly: under a minute, about N minutes, over an hour; '' when not known. */
export function waitText(seconds: number | null, t: Translate, tn: Tn): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 60) return t('waitUnderMinute');
  const minutes = Math.round(seconds / 60);
  return minutes >= 60 ? t('waitOverHour') : tn('waitMinutes', minutes);
}

/** queueLine is the filters screen's "12 searching now fit you · usually under a minute". */
export function queueLine(q: QueueStatus, t: Translate, tn: Tn): string {
  const wait = waitText(q.expected_wait_s, t, tn);
  const fit = fitText(q.searching_fit, t, tn);
  return wait ? `${fit} · ${wait}` : fit;
}

/** widenText is the waiting screen's one suggestion: "Widen to 18–40: 5 searching" (with "anyone" when the gender widens too). */
export function widenText(w: WiderFilter, from: SearchFilters | null, t: Translate, tn: Tn): string {
  const ages = `${w.age_from}–${w.age_to}`;
  const range = from && w.gender !== from.gender && w.gender === 'any' ? t('widenAnyone', { ages }) : ages;
  const count = w.searching_fit === '<3' ? t('widenFew') : tn('widenSearching', w.searching_fit);
  return t('widenTo', { range, count });
}

/** capitalize the first letter, for a phrase that starts a line ("usually…" → "Usually…"). */
export function capitalize(s: string): string {
  return s === '' ? s : s[0]!.toLocaleUpperCase() + s.slice(1);
}
