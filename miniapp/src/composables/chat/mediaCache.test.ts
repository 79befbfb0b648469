import { describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import { ApiError } from '../../api/errors';
import { deferred, flush, type Deferred } from '../../testing/fakes';
import { createMediaCache, LOCAL_PREFIX, useMediaUrl } from './mediaCache';

/** A cache over a fake API whose downloads the test answers, and blob URLs it can count. */
function setup(maxBytes?: number) {
  const loads: { id: string; preview: boolean; answer: Deferred<Blob> }[] = [];
  const api = {
    getMedia: vi.fn((id: string, o?: { preview?: boolean }) => {
      const answer = deferred<Blob>();
      loads.push({ id, preview: o?.preview === true, answer });
      return answer.promise;
    }),
  };
  let n = 0;
  const live = new Set<string>();
  const createUrl = vi.fn(() => {
    const u = `blob:test/${++n}`;
    live.add(u);
    return u;
  });
  const revokeUrl = vi.fn((u: string) => live.delete(u));
  const cache = createMediaCache({ api, createUrl, revokeUrl, maxBytes });
  return { cache, api, loads, live, createUrl, revokeUrl };
}
const bytes = (n: number) => new Blob([new Uint8Array(n)]);

describe('createMediaCache', () => {
  it('downloads a media once however many show it; one blob URL while shown, revoked when the last lets go', async () => {
    const { cache, loads, live, createUrl } = setup();
    const a = cache.acquire('md1');
    const b = cache.acquire('md1');
    expect(loads).toHaveLength(1);
    loads[0]!.answer.resolve(bytes(3));
    const [ua, ub] = await Promise.all([a.url, b.url]);
    expect(ua).toBe(ub);
    expect(createUrl).toHaveBeenCalledOnce();
    a.release();
    expect(live.has(ua)).toBe(true);
    b.release();
    expect(live.has(ua)).toBe(false);
    b.release(); // twice is once
    // Shown again later: a new URL from the bytes kept for the session, no new download.
    const c = cache.acquire('md1');
    const uc = await c.url;
    expect(uc).not.toBe(ua);
    expect(live.has(uc)).toBe(true);
    expect(loads).toHaveLength(1);
  });

  it('keeps the preview apart from the photo', async () => {
    const { cache, loads } = setup();
    cache.acquire('md1', 'preview');
    cache.acquire('md1', 'full');
    expect(loads.map((l) => [l.id, l.preview])).toEqual([
      ['md1', true],
      ['md1', false],
    ]);
  });

  it('an own upload is shown from its bytes (never downloaded), and by its media id once stored, with the same URL', async () => {
    const { cache, loads, live } = setup();
    const key = `${LOCAL_PREFIX}c1`;
    const early = cache.acquire(key); // the bubble shows before the photo is prepared
    const photo = bytes(5);
    cache.put(key, photo);
    const u = await early.url;
    cache.alias(key, 'md7');
    const byId = cache.acquire('md7');
    expect(await byId.url).toBe(u);
    early.release();
    expect(live.has(u)).toBe(true);
    byId.release();
    expect(live.has(u)).toBe(false);
    expect(loads).toHaveLength(0);
  });

  it('a failed download is not kept: the next use tries again', async () => {
    const { cache, loads } = setup();
    const h = cache.acquire('md1');
    loads[0]!.answer.reject(new ApiError(0, 'network', 'offline'));
    await expect(h.url).rejects.toMatchObject({ code: 'network' });
    h.release();
    cache.acquire('md1');
    expect(loads).toHaveLength(2);
  });

  it('a URL asked for and released before the bytes came is never made', async () => {
    const { cache, loads, createUrl } = setup();
    const h = cache.acquire('md1');
    h.release();
    loads[0]!.answer.resolve(bytes(1));
    await flush();
    expect(createUrl).not.toHaveBeenCalled();
  });

  it('beyond maxBytes the least recently shown bytes go (never what is on screen, never own uploads)', async () => {
    const { cache, loads } = setup(10);
    cache.put(`${LOCAL_PREFIX}own`, bytes(8));
    for (const id of ['a', 'b', 'c']) {
      const h = cache.acquire(id);
      loads.at(-1)!.answer.resolve(bytes(4));
      await h.url;
      h.release();
    }
    // a (oldest) went; b and c fit in 10 bytes; the own upload is not counted out.
    expect(cache.bytes()).toBe(8 + 4 + 4);
    cache.acquire('c');
    cache.acquire('b');
    expect(loads).toHaveLength(3);
    cache.acquire('a');
    expect(loads).toHaveLength(4);
  });

  it('drop forgets a cancelled upload', async () => {
    const { cache, live } = setup();
    const key = `${LOCAL_PREFIX}c2`;
    cache.put(key, bytes(2));
    const h = cache.acquire(key);
    const u = await h.url;
    h.release();
    expect(live.has(u)).toBe(false);
    cache.drop(key);
    expect(cache.bytes()).toBe(0);
  });
});

describe('useMediaUrl', () => {
  it('gives the URL while its scope lives and revokes it when the component goes', async () => {
    const { cache, loads, live } = setup();
    const scope = effectScope();
    const r = scope.run(() => useMediaUrl(cache, () => 'md1', 'full'))!;
    loads[0]!.answer.resolve(bytes(2));
    await flush();
    const u = r.url.value!;
    expect(live.has(u)).toBe(true);
    scope.stop();
    expect(live.has(u)).toBe(false);
  });

  it('loads nothing while not wanted (a hidden spoiler), then on demand', async () => {
    const { cache, loads } = setup();
    const want = ref(false);
    const scope = effectScope();
    const r = scope.run(() => useMediaUrl(cache, () => 'md1', 'full', () => want.value))!;
    expect(loads).toHaveLength(0);
    want.value = true;
    await nextTick();
    expect(loads).toHaveLength(1);
    loads[0]!.answer.resolve(bytes(2));
    await flush();
    expect(r.url.value).toMatch(/^blob:/);
    scope.stop();
  });

  it('a local key becoming the media id keeps the same URL (acquired before released)', async () => {
    const { cache, live, revokeUrl } = setup();
    const key = ref(`${LOCAL_PREFIX}c1`);
    cache.put(key.value, bytes(3));
    const scope = effectScope();
    const r = scope.run(() => useMediaUrl(cache, () => key.value, 'full'))!;
    await flush();
    const u = r.url.value!;
    cache.alias(key.value, 'md1');
    key.value = 'md1';
    await nextTick();
    await flush();
    expect(r.url.value).toBe(u);
    expect(revokeUrl).not.toHaveBeenCalled();
    expect(live.has(u)).toBe(true);
    scope.stop();
    expect(live.has(u)).toBe(false);
  });

  it('says gone (404) or failed, and retry loads again', async () => {
    const { cache, loads } = setup();
    const scope = effectScope();
    const gone = scope.run(() => useMediaUrl(cache, () => 'md1', 'full'))!;
    loads[0]!.answer.reject(new ApiError(404, 'not_found', 'gone'));
    await flush();
    expect(gone.error.value).toBe('gone');
    const failed = scope.run(() => useMediaUrl(cache, () => 'md2', 'full'))!;
    loads[1]!.answer.reject(new ApiError(0, 'network', 'offline'));
    await flush();
    expect(failed.error.value).toBe('failed');
    failed.retry();
    await nextTick();
    expect(loads).toHaveLength(3);
    loads[2]!.answer.resolve(bytes(1));
    await flush();
    expect(failed.error.value).toBeNull();
    expect(failed.url.value).toMatch(/^blob:/);
    scope.stop();
  });
});
