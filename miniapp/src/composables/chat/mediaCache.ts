import { getCurrentScope, onScopeDispose, ref, watch, type InjectionKey, type Ref } from 'vue';
import type { ApiClient } from '../../api/client';
import { isApiError } from '../../api/errors';

/** full: the photo or voice message; preview: a photo's tiny blurred stand-in (GET /api/media/{id}?preview=1). */
export type MediaVariant = 'full' | 'preview';

/** Loaded media kept for the session beyond what is on screen; the least recently shown go first. */
export const MEDIA_CACHE_BYTES = 64 << 20;

export interface MediaCacheOptions {
  api: Pick<ApiClient, 'getMedia'>;
  createUrl?: (blob: Blob) => string;
  revokeUrl?: (url: string) => void;
  maxBytes?: number;
}

/** Keys the app makes for its own uploads (conversation.ts): their bytes come from put(), never from the server. */
export const LOCAL_PREFIX = 'local:';

interface Entry {
  blob: Blob | null;
  /** A local key acquired before its bytes were put: resolved by put(). */
  waiting: { promise: Promise<Blob>; resolve: (b: Blob) => void } | null;
  loading: Promise<Blob> | null;
  url: string | null;
  refs: number;
  lastUsed: number;
  /** Put by the app (an own upload): never evicted, since it may not be on the server yet. */
  pinned: boolean;
}

/** A use of one media's bytes: `url` is a blob URL valid until release(). */
export interface MediaHandle {
  url: Promise<string>;
  release(): void;
}

/**
 * createMediaCache holds the session's media. The bytes come from the API
 * with its Authorization header (never a public URL) and are shown from
 * blob URLs: one per media while anything shows it, revoked when the last
 * user lets go. The bytes themselves stay for the session (up to maxBytes
 * of what is not on screen), so scrolling back or reopening a photo does
 * not download it again. Own uploads are put in under a local key and
 * aliased to their media id once stored.
 */
export function createMediaCache(opts: MediaCacheOptions) {
  const createUrl = opts.createUrl ?? ((b: Blob) => URL.createObjectURL(b));
  const revokeUrl = opts.revokeUrl ?? ((u: string) => URL.revokeObjectURL(u));
  const maxBytes = opts.maxBytes ?? MEDIA_CACHE_BYTES;
  const entries = new Map<string, Entry>();
  let clock = 0;

  const name = (key: string, variant: MediaVariant) => `${variant}:${key}`;
  const fresh = (): Entry => ({ blob: null, waiting: null, loading: null, url: null, refs: 0, lastUsed: 0, pinned: false });

  function evict() {
    const idle = new Set<Entry>();
    for (const e of entries.values()) if (e.refs === 0 && e.blob && !e.pinned) idle.add(e);
    let bytes = 0;
    for (const e of idle) bytes += e.blob!.size;
    for (const e of [...idle].sort((a, b) => a.lastUsed - b.lastUsed)) {
      if (bytes <= maxBytes) break;
      bytes -= e.blob!.size;
      e.blob = null;
    }
  }

  function load(key: string, variant: MediaVariant, e: Entry): Promise<Blob> {
    if (e.blob) return Promise.resolve(e.blob);
    if (key.startsWith(LOCAL_PREFIX)) {
      // An own photo still being prepared: its bytes arrive with put().
      if (!e.waiting) {
        let resolve!: (b: Blob) => void;
        const promise = new Promise<Blob>((r) => (resolve = r));
        e.waiting = { promise, resolve };
      }
      return e.waiting.promise;
    }
    if (!e.loading) {
      e.loading = opts.api.getMedia(key, { preview: variant === 'preview' }).then(
        (blob) => {
          e.loading = null;
          e.blob = blob;
          evict();
          return blob;
        },
        (err: unknown) => {
          e.loading = null; // not kept: the next use tries again
          throw err;
        },
      );
    }
    return e.loading;
  }

  /** put keeps bytes the app has (an own upload) under `key`. */
  function put(key: string, blob: Blob) {
    const e = entries.get(name(key, 'full')) ?? fresh();
    e.blob = blob;
    e.pinned = true;
    e.waiting?.resolve(blob);
    e.waiting = null;
    entries.set(name(key, 'full'), e);
  }

  /** alias makes `from`'s bytes (an upload's local key) known by `to` (its media id) as well. */
  function alias(from: string, to: string) {
    const e = entries.get(name(from, 'full'));
    if (e) entries.set(name(to, 'full'), e);
  }

  /** drop forgets a key (a cancelled upload); a URL still in use stays valid until released. */
  function drop(key: string) {
    const e = entries.get(name(key, 'full'));
    entries.delete(name(key, 'full'));
    if (e && e.refs === 0 && ![...entries.values()].includes(e)) {
      if (e.url) revokeUrl(e.url);
      e.url = null;
    }
  }

  function acquire(key: string, variant: MediaVariant = 'full'): MediaHandle {
    const n = name(key, variant);
    let e = entries.get(n);
    if (!e) {
      e = fresh();
      entries.set(n, e);
    }
    const entry = e;
    entry.refs++;
    entry.lastUsed = ++clock;
    let released = false;
    const url = load(key, variant, entry).then((blob) => {
      if (released) throw new DOMException('released', 'AbortError');
      entry.url ??= createUrl(blob);
      return entry.url;
    });
    url.catch(() => {}); // the caller may have released it already; nobody else waits for it
    return {
      url,
      release() {
        if (released) return;
        released = true;
        entry.refs--;
        entry.lastUsed = ++clock;
        if (entry.refs === 0 && entry.url) {
          revokeUrl(entry.url);
          entry.url = null;
        }
        evict();
      },
    };
  }

  /** The session's held bytes (for tests and diagnostics). */
  function bytes(): number {
    let n = 0;
    for (const e of new Set(entries.values())) n += e.blob?.size ?? 0;
    return n;
  }

  return { put, alias, drop, acquire, bytes };
}

export type MediaCache = ReturnType<typeof createMediaCache>;

/** How the chat screen hands its media cache to the bubbles that show photos and voice messages. */
export const mediaCacheKey: InjectionKey<MediaCache> = Symbol('mediaCache');

/** Why media could not be shown: gone from the server (cleared, expired), or not loaded (network; a tap retries). */
export type MediaLoadError = 'gone' | 'failed';

/**
 * useMediaUrl gives a component the blob URL of a media while it is
 * mounted and `want` says so; a new key is acquired before the old one is
 * released (an upload's local key becoming its media id keeps its URL).
 */
export function useMediaUrl(cache: MediaCache, key: () => string | null, variant: MediaVariant, want: () => boolean = () => true) {
  const url = ref<string | null>(null);
  const error = ref<MediaLoadError | null>(null);
  let handle: MediaHandle | null = null;
  let current: string | null = null;
  const attempt = ref(0);

  function use(k: string | null) {
    const prev = handle;
    handle = null;
    current = k;
    if (k !== null) {
      const h = cache.acquire(k, variant);
      handle = h;
      error.value = null;
      h.url.then(
        (u) => {
          if (handle === h) url.value = u;
        },
        (err: unknown) => {
          if (handle !== h) return;
          error.value = isApiError(err, 'not_found') || isApiError(err, 'forbidden') ? 'gone' : 'failed';
        },
      );
    } else {
      url.value = null;
      error.value = null;
    }
    prev?.release();
  }

  watch(
    () => [want() ? key() : null, attempt.value] as const,
    ([k]) => {
      if (k === current && error.value === null && (handle || k === null)) return;
      use(k); // the old URL stays on screen until the new one is ready
    },
    { immediate: true },
  );

  if (getCurrentScope()) onScopeDispose(() => use(null));

  return {
    url: url as Readonly<Ref<string | null>>,
    error: error as Readonly<Ref<MediaLoadError | null>>,
    /** retry loads again after a failure. */
    retry: () => attempt.value++,
  };
}
