import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import type { UploadOptions } from '../../api/client';
import { ApiError } from '../../api/errors';
import type { UploadedMedia } from '../../api/types';
import { deferred, flush, type Deferred } from '../../testing/fakes';
import { useConversation, type ChatMedia } from './conversation';
import { RESEND_BASE_MS, RESEND_JITTER } from './outbox';
import type { PreparedPhoto } from './photo';
import { useUploads } from './uploads';

interface Call {
  blob: Blob;
  opts: UploadOptions;
  answer: Deferred<UploadedMedia>;
}

/** An upload API whose calls the test answers one by one. */
function uploadApi() {
  const calls: Call[] = [];
  const uploadMedia = vi.fn((_room: string, blob: Blob, opts: UploadOptions) => {
    const answer = deferred<UploadedMedia>();
    calls.push({ blob, opts, answer });
    opts.signal?.addEventListener('abort', () => answer.reject(new DOMException('cancelled', 'AbortError')));
    return answer.promise;
  });
  return { api: { uploadMedia }, calls };
}

const photo = (n: number) => new Blob([new Uint8Array(n)], { type: 'image/jpeg' });
const stored = (id: string, more: Partial<UploadedMedia> = {}): UploadedMedia => ({ media_id: id, kind: 'photo', width: 800, height: 1600, ...more });

describe('useUploads', () => {
  let conv: ReturnType<typeof useConversation>;
  let up: ReturnType<typeof uploadApi>;
  let cache: { put: Mock<(key: string, blob: Blob) => void>; alias: Mock<(from: string, to: string) => void>; drop: Mock<(key: string) => void> };
  let uploaded: string[];
  let refusedMedia: unknown[];
  let roomErrors: unknown[];
  let cmid = 0;

  function setup() {
    return useUploads({
      api: up.api,
      roomId: 'r1',
      conversation: conv,
      cache,
      random: () => 0,
      onUploaded: (k) => uploaded.push(k),
      onMediaRefused: (r) => refusedMedia.push(r),
      onRoomError: (e) => roomErrors.push(e),
    });
  }
  /** bubble shows an own media message as useChat does: pending, with a local key for its bytes. */
  function bubble(kind: 'photo' | 'voice' = 'photo', caption = '') {
    const c = `c${++cmid}`;
    const media: ChatMedia = { kind, id: null, local: `local:${c}`, width: 0, height: 0, durationMs: 0, spoiler: kind === 'photo' };
    return conv.addLocal(caption, c, null, 1, media, { phase: 'queued', progress: 0 });
  }

  beforeEach(() => {
    conv = useConversation('me');
    up = uploadApi();
    cache = { put: vi.fn<(key: string, blob: Blob) => void>(), alias: vi.fn<(from: string, to: string) => void>(), drop: vi.fn<(key: string) => void>() };
    uploaded = [];
    refusedMedia = [];
    roomErrors = [];
  });
  afterEach(() => vi.useRealTimers());

  it('uploads with progress on the bubble, then hands the message to the outbox with its media id', async () => {
    const u = setup();
    const m = bubble('photo', 'hi');
    const bytes = photo(10);
    u.add(m.key, bytes, 'image/jpeg');
    expect(cache.put).toHaveBeenCalledWith(m.media!.local, bytes);
    expect(up.calls).toHaveLength(1);
    expect(up.calls[0]!.blob).toBe(bytes);
    expect(up.calls[0]!.opts.contentType).toBe('image/jpeg');
    expect(conv.find(m.key)!.upload).toEqual({ phase: 'uploading', progress: 0 });
    up.calls[0]!.opts.onProgress!(4, 10);
    expect(conv.find(m.key)!.upload!.progress).toBeCloseTo(0.4);
    up.calls[0]!.answer.resolve(stored('md1'));
    await flush();
    const after = conv.find(m.key)!;
    expect(after.upload).toBeNull();
    expect(after.status).toBe('pending'); // the message itself is the outbox's to send
    expect(after.media).toMatchObject({ id: 'md1', width: 800, height: 1600 });
    expect(cache.alias).toHaveBeenCalledWith(m.media!.local, 'md1');
    expect(uploaded).toEqual([m.key]);
  });

  it('uploads one at a time, in the order chosen; a photo still being prepared keeps its place', async () => {
    const u = setup();
    const first = bubble();
    const second = bubble('voice');
    const prep = deferred<PreparedPhoto>();
    u.addPhoto(first.key, prep.promise);
    u.add(second.key, photo(3), 'audio/webm;codecs=opus');
    expect(conv.find(first.key)!.upload!.phase).toBe('preparing');
    expect(conv.find(second.key)!.upload!.phase).toBe('queued');
    expect(up.calls).toHaveLength(0);
    const bytes = photo(5);
    prep.resolve({ blob: bytes, width: 1600, height: 900 });
    await flush();
    expect(conv.find(first.key)!.media).toMatchObject({ width: 1600, height: 900 });
    expect(up.calls.map((c) => c.blob)).toEqual([bytes]);
    up.calls[0]!.answer.resolve(stored('md1'));
    await flush();
    expect(up.calls).toHaveLength(2);
    expect(up.calls[1]!.opts.contentType).toBe('audio/webm;codecs=opus');
    up.calls[1]!.answer.resolve(stored('md2', { kind: 'voice', width: undefined, height: undefined, duration_ms: 2100 }));
    await flush();
    expect(conv.find(second.key)!.media!.durationMs).toBe(2100);
    expect(uploaded).toEqual([first.key, second.key]);
  });

  it('a picture the browser cannot read fails as invalid, without a retry, and the next one goes', async () => {
    const u = setup();
    const bad = bubble();
    const next = bubble();
    u.addPhoto(bad.key, Promise.reject(new Error('not a picture')));
    u.add(next.key, photo(2), 'image/jpeg');
    await flush();
    expect(conv.find(bad.key)).toMatchObject({ status: 'failed', failure: 'invalid', upload: { phase: 'failed' } });
    expect(u.canRetry(bad.key)).toBe(false);
    expect(up.calls).toHaveLength(1);
  });

  it('503 with Retry-After waits that long (plus jitter), never less; then uploads the same bytes again', async () => {
    vi.useFakeTimers();
    const u = setup();
    const m = bubble();
    const bytes = photo(4);
    u.add(m.key, bytes, 'image/jpeg');
    up.calls[0]!.answer.reject(new ApiError(503, 'unavailable', 'busy', { retryAfter: 2 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(conv.find(m.key)).toMatchObject({ status: 'pending', upload: { phase: 'waiting' } });
    u.connectionBack(); // a reconnect never cuts a server's Retry-After short
    await vi.advanceTimersByTimeAsync(1999);
    expect(up.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(up.calls).toHaveLength(2);
    expect(up.calls[1]!.blob).toBe(bytes);
    expect(conv.find(m.key)!.upload!.phase).toBe('uploading');
  });

  it('no network backs off 1 s doubling; the connection coming back uploads at once', async () => {
    vi.useFakeTimers();
    const u = setup();
    const m = bubble();
    u.add(m.key, photo(1), 'image/jpeg');
    up.calls[0]!.answer.reject(new ApiError(0, 'network', 'offline'));
    await vi.advanceTimersByTimeAsync(RESEND_BASE_MS);
    expect(up.calls).toHaveLength(2);
    up.calls[1]!.answer.reject(new ApiError(0, 'network', 'offline'));
    await vi.advanceTimersByTimeAsync(RESEND_BASE_MS);
    expect(up.calls).toHaveLength(2); // now 2 s
    await vi.advanceTimersByTimeAsync(RESEND_BASE_MS);
    expect(up.calls).toHaveLength(3);
    up.calls[2]!.answer.reject(new ApiError(429, 'rate_limited', 'slow', { retryAfter: 1 }));
    await vi.advanceTimersByTimeAsync(0);
    u.connectionBack();
    expect(up.calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1000 * (1 + RESEND_JITTER));
    expect(up.calls).toHaveLength(4);
    up.calls[3]!.answer.reject(new ApiError(0, 'network', 'offline'));
    await vi.advanceTimersByTimeAsync(0);
    u.connectionBack();
    expect(up.calls).toHaveLength(5);
  });

  it('cancel aborts the upload in flight, takes the bubble away and forgets its bytes; the next one goes', async () => {
    const u = setup();
    const m = bubble();
    const next = bubble();
    u.add(m.key, photo(1), 'image/jpeg');
    u.add(next.key, photo(2), 'image/jpeg');
    const signal = up.calls[0]!.opts.signal!;
    u.cancel(m.key);
    expect(signal.aborted).toBe(true);
    expect(conv.find(m.key)).toBeUndefined();
    expect(cache.drop).toHaveBeenCalledWith(m.media!.local);
    await flush();
    expect(up.calls).toHaveLength(2);
    expect(uploaded).toEqual([]);
  });

  it('cancel while waiting to retry stops the retry', async () => {
    vi.useFakeTimers();
    const u = setup();
    const m = bubble();
    u.add(m.key, photo(1), 'image/jpeg');
    up.calls[0]!.answer.reject(new ApiError(0, 'network', 'offline'));
    await vi.advanceTimersByTimeAsync(0);
    u.cancel(m.key);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(up.calls).toHaveLength(1);
    expect(conv.items.value).toHaveLength(0);
  });

  it.each([
    [new ApiError(415, 'unsupported_media', 'x'), 'invalid'],
    [new ApiError(422, 'invalid_media', 'x'), 'invalid'],
    [new ApiError(413, 'body_too_large', 'x'), 'too_large'],
    [new ApiError(403, 'minors_not_allowed', 'x'), 'minors'],
    [new ApiError(422, 'invalid_field', 'x'), 'refused'],
  ])('a refusal (%s) shows its reason on the bubble', async (err, failure) => {
    const u = setup();
    const m = bubble();
    u.add(m.key, photo(1), 'image/jpeg');
    up.calls[0]!.answer.reject(err);
    await flush();
    expect(conv.find(m.key)).toMatchObject({ status: 'failed', failure, upload: { phase: 'failed' } });
    expect(roomErrors).toEqual([]);
  });

  it('Retry after a refusal uploads the same bytes again', async () => {
    const u = setup();
    const m = bubble();
    const bytes = photo(3);
    u.add(m.key, bytes, 'image/jpeg');
    up.calls[0]!.answer.reject(new ApiError(422, 'invalid_field', 'x'));
    await flush();
    expect(u.canRetry(m.key)).toBe(true);
    u.retry(m.key);
    expect(conv.find(m.key)).toMatchObject({ status: 'pending', failure: null });
    expect(up.calls[1]!.blob).toBe(bytes);
    up.calls[1]!.answer.resolve(stored('md9'));
    await flush();
    expect(uploaded).toEqual([m.key]);
  });

  it('media before the room allows it: the bubble goes and the composer is told how many messages are left', async () => {
    const u = setup();
    const m = bubble();
    u.add(m.key, photo(1), 'image/jpeg');
    up.calls[0]!.answer.reject(new ApiError(422, 'media_not_allowed_yet', 'later', { remaining: { me: 2, partner: 1 } }));
    await flush();
    expect(conv.find(m.key)).toBeUndefined();
    expect(refusedMedia).toEqual([{ me: 2, partner: 1 }]);
    expect(cache.drop).toHaveBeenCalledWith(m.media!.local);
  });

  it('a closed room fails everything still queued and tells the chat', async () => {
    const u = setup();
    const a = bubble();
    const b = bubble();
    u.add(a.key, photo(1), 'image/jpeg');
    u.add(b.key, photo(1), 'image/jpeg');
    up.calls[0]!.answer.reject(new ApiError(409, 'room_closed', 'closed'));
    await flush();
    expect(conv.find(a.key)!.status).toBe('failed');
    expect(conv.find(b.key)!.status).toBe('failed');
    expect(roomErrors).toHaveLength(1);
    expect(up.calls).toHaveLength(1);
  });

  it('dispose aborts what is in flight and uploads nothing more', async () => {
    const u = setup();
    const m = bubble();
    u.add(m.key, photo(1), 'image/jpeg');
    const signal = up.calls[0]!.opts.signal!;
    u.dispose();
    expect(signal.aborted).toBe(true);
    u.add(bubble().key, photo(1), 'image/jpeg');
    await flush();
    expect(up.calls).toHaveLength(1);
  });
});
