import { ref, shallowRef } from 'vue';
import type { ApiClient } from '../api/client';
import { isApiError, type ApiError } from '../api/errors';
import type { RecentRoom } from '../api/types';
import type { Translate } from '../i18n';
import { toApiError } from './useSearch';

export interface RecentOptions {
  api: Pick<ApiClient, 'getRecent' | 'wishAgain' | 'unwishAgain'>;
  /** A 403 suspended/banned: the app shows the restriction; returns whether it was one. */
  onRestricted?: (err: ApiError) => boolean;
}

/**
 * useRecent is "Recent chats": the chats that ended in the last 24 hours
 * and the user's own wish to talk again in each. A wish is the user's
 * alone: nothing here ever knows or implies what the partner wants; when
 * both wish it the new room arrives as a `matched` push (useApp opens it).
 */
export function useRecent(opts: RecentOptions) {
  const { api } = opts;
  const rooms = ref<RecentRoom[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = shallowRef<ApiError | null>(null);
  /** Minors mode refused a wish (403 rule "again"): no "talk again" at all. */
  const againRefused = ref(false);
  /** Rooms whose wish is being sent. */
  const pending = ref(new Set<string>());
  let generation = 0;

  async function load(): Promise<void> {
    const mine = ++generation;
    loading.value = true;
    try {
      const res = await api.getRecent();
      if (mine !== generation) return;
      rooms.value = res.rooms;
      error.value = null;
      loaded.value = true;
    } catch (err) {
      if (mine === generation) error.value = toApiError(err);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  function setWish(id: string, on: boolean) {
    const r = rooms.value.find((x) => x.id === id);
    if (r) r.again = { me: on };
  }

  /** toggle wishes to talk again (or takes the wish back); the row shows it at once. */
  async function toggle(id: string): Promise<void> {
    const r = rooms.value.find((x) => x.id === id);
    if (!r || pending.value.has(id) || againRefused.value) return;
    const on = !r.again.me;
    pending.value = new Set(pending.value).add(id);
    setWish(id, on);
    error.value = null;
    try {
      await (on ? api.wishAgain(id) : api.unwishAgain(id));
    } catch (err) {
      setWish(id, !on);
      if (isApiError(err, 'not_found') || isApiError(err, 'room_active') || isApiError(err, 'forbidden')) {
        // No longer in the list (cleared, expired, reported, or met again already): show the list as it is.
        void load();
      } else if (isApiError(err, 'minors_not_allowed')) {
        againRefused.value = true;
      } else if (!(isApiError(err) && opts.onRestricted?.(err))) {
        error.value = toApiError(err);
      }
    } finally {
      const next = new Set(pending.value);
      next.delete(id);
      pending.value = next;
    }
  }

  function clear() {
    generation++;
    rooms.value = [];
    loaded.value = false;
    loading.value = false;
    error.value = null;
  }

  return { rooms, loaded, loading, error, againRefused, pending, load, toggle, clear };
}

export type UseRecent = ReturnType<typeof useRecent>;

/** lastLineText is a recent chat's last message as its row shows it: "You: …", or "Photo"/"Voice message" for media. */
export function lastLineText(last: RecentRoom['last'], t: Translate): string {
  if (!last) return '';
  const media = last.media === 'photo' ? t('photo') : last.media === 'voice' ? t('voiceMessage') : '';
  const body = media && last.text ? `${media} · ${last.text}` : media || last.text;
  return last.from === 'me' ? t('recentYou', { text: body }) : body;
}

/** endedAgo is when a chat ended, relative and localized ("5 minutes ago", "2 часа назад"); under a minute is "just now". */
export function endedAgo(closedAt: number, now: number, locale: string, t: Translate): string {
  const s = Math.max(0, Math.round((now - closedAt) / 1000));
  if (s < 60) return t('justNow');
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return rtf.format(-minutes, 'minute');
  return rtf.format(-Math.floor(minutes / 60), 'hour');
}
