import { describe, expect, it, vi } from 'vitest';
import { createApiClient, type ApiClient } from './client';
import { ApiError, isTransient } from './errors';
import { FakeXhr } from '../testing/fakes';

function fetchReturning(status: number, body: unknown, headers: Record<string, string> = {}) {
  return vi.fn<typeof fetch>(async () =>
    new Response(body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body), {
      status,
      headers,
    }),
  );
}

describe('api client', () => {
  it('sends init data as the tma authorization on every call but config', async () => {
    const f = fetchReturning(200, { state: 'waiting' });
    const api = createApiClient({ initData: 'query_id=1&hash=abc', fetch: f });
    await api.startSearch({ gender: 'any', age_from: 18, age_to: 99 });
    const [url, init] = f.mock.calls[0]!;
    expect(url).toBe('/api/search');
    expect(init?.method).toBe('POST');
    expect((init?.headers as Record<string, string>).Authorization).toBe('tma query_id=1&hash=abc');
    expect(init?.body).toBe('{"gender":"any","age_from":18,"age_to":99}');

    const g = fetchReturning(200, { centrifugo_ws_url: '/connection/websocket' });
    await createApiClient({ initData: 'x', fetch: g }).getConfig();
    expect((g.mock.calls[0]![1]?.headers as Record<string, string>).Authorization).toBeUndefined();
  });

  it('resolves 204 answers with nothing', async () => {
    const api = createApiClient({ initData: 'x', fetch: fetchReturning(204, undefined) });
    await expect(api.cancelSearch()).resolves.toBeUndefined();
  });

  it('builds room paths with an encoded id', async () => {
    const f = fetchReturning(201, { id: '1', ts: 5 });
    await createApiClient({ initData: 'x', fetch: f }).sendMessage('a/b', { text: 'hi', client_msg_id: 'c' });
    expect(f.mock.calls[0]![0]).toBe('/api/rooms/a%2Fb/messages');
  });

  it.each([
    [409, { error: { code: 'already_matched', message: 'matched' } }, {}, { status: 409, code: 'already_matched' }],
    [
      422,
      { error: { code: 'invalid_field', message: 'bad', field: 'age' } },
      {},
      { status: 422, code: 'invalid_field', field: 'age' },
    ],
    [
      429,
      { error: { code: 'rate_limited', message: 'slow' } },
      { 'Retry-After': '3' },
      { code: 'rate_limited', retryAfter: 3 },
    ],
    [
      403,
      { error: { code: 'suspended', message: 'no', until: 1700000000000 } },
      {},
      { status: 403, code: 'suspended', until: 1700000000000 },
    ],
    [403, { error: { code: 'suspended', message: 'no' }, until: 17 }, {}, { code: 'suspended', until: 17 }],
    [403, { error: { code: 'banned', message: 'no' } }, {}, { code: 'banned', until: undefined }],
    [422, { error: { code: 'link_not_allowed_yet', message: 'later' } }, {}, { code: 'link_not_allowed_yet', remaining: undefined }],
    [
      422,
      { error: { code: 'link_not_allowed_yet', message: 'later', remaining: { me: 2, partner: 3 } } },
      {},
      { code: 'link_not_allowed_yet', remaining: { me: 2, partner: 3 } },
    ],
    [
      503,
      { error: { code: 'unavailable', message: 'busy' } },
      { 'Retry-After': '2' },
      { status: 503, code: 'unavailable', retryAfter: 2 },
    ],
    [502, '<html>bad gateway</html>', {}, { status: 502, code: 'bad_response' }],
    [500, { error: { code: 'weird', message: 'x' } }, {}, { status: 500, code: 'bad_response' }],
  ])('HTTP %i becomes a typed ApiError', async (status, body, headers, want) => {
    const api = createApiClient({ initData: 'x', fetch: fetchReturning(status, body, headers) });
    const err = await api.getMe().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject(want);
  });

  it.each([
    ['history', (a: ApiClient) => a.getMessages('r1'), 'GET', '/api/rooms/r1/messages', undefined],
    ['older history', (a: ApiClient) => a.getMessages('r1', { before: '42', limit: 100 }), 'GET', '/api/rooms/r1/messages?before=42&limit=100', undefined],
    ['room', (a: ApiClient) => a.getRoom('r1'), 'GET', '/api/rooms/r1', undefined],
    ['read marker', (a: ApiClient) => a.markRead('r1', '0000000000000042'), 'POST', '/api/rooms/r1/read', '{"up_to":"0000000000000042"}'],
    [
      'queue',
      (a: ApiClient) => a.getQueue({ gender: 'female', age_from: 20, age_to: 30 }),
      'GET',
      '/api/queue?gender=female&age_from=20&age_to=30',
      undefined,
    ],
    [
      'reply',
      (a: ApiClient) => a.sendMessage('r1', { text: 'yes', client_msg_id: 'c1', reply_to: '7' }),
      'POST',
      '/api/rooms/r1/messages',
      '{"text":"yes","client_msg_id":"c1","reply_to":"7"}',
    ],
    ['clear', (a: ApiClient) => a.deleteRoom('r1'), 'DELETE', '/api/rooms/r1', undefined],
    ['leave', (a: ApiClient) => a.leaveRoom('r1'), 'POST', '/api/rooms/r1/leave', undefined],
    ['leave and block', (a: ApiClient) => a.leaveRoom('r1', { block: true }), 'POST', '/api/rooms/r1/leave', '{"block":true}'],
    [
      'report',
      (a: ApiClient) => a.reportRoom('r1', { reason: 'spam', comment: 'x' }),
      'POST',
      '/api/rooms/r1/report',
      '{"reason":"spam","comment":"x"}',
    ],
  ])('%s: %s %s', async (_, call, method, path, body) => {
    const f = fetchReturning(200, {});
    await call(createApiClient({ initData: 'x', fetch: f }));
    const [url, init] = f.mock.calls[0]!;
    expect([init?.method, url, init?.body]).toEqual([method, path, body]);
  });

  it('tells the app about every 401 (but not about other failures)', async () => {
    const onUnauthorized = vi.fn();
    const api = createApiClient({
      initData: 'x',
      fetch: fetchReturning(401, { error: { code: 'unauthorized', message: 'expired' } }),
      onUnauthorized,
    });
    await expect(api.getMe()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(onUnauthorized).toHaveBeenCalledOnce();
    const other = createApiClient({ initData: 'x', fetch: fetchReturning(404, { error: { code: 'not_found', message: 'x' } }), onUnauthorized });
    await expect(other.getMe()).rejects.toMatchObject({ code: 'not_found' });
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it.each([
    [new ApiError(0, 'network', 'x'), true],
    [new ApiError(503, 'unavailable', 'x', { retryAfter: 1 }), true],
    [new ApiError(429, 'rate_limited', 'x', { retryAfter: 1 }), true],
    [new ApiError(502, 'bad_response', 'x'), true],
    [new ApiError(422, 'link_not_allowed_yet', 'x'), false],
    [new ApiError(409, 'room_closed', 'x'), false],
    [new ApiError(401, 'unauthorized', 'x'), false],
  ])('isTransient(%s) = %s', (err, want) => {
    expect(isTransient(err)).toBe(want);
  });

  it('turns a network failure into ApiError network', async () => {
    const f = vi.fn<typeof fetch>(() => Promise.reject(new TypeError('Failed to fetch')));
    const err = await createApiClient({ initData: 'x', fetch: f })
      .getMe()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, code: 'network' });
  });
});

describe('media', () => {
  function uploader() {
    const xhrs: FakeXhr[] = [];
    const onUnauthorized = vi.fn();
    const api = createApiClient({
      initData: 'q=1',
      onUnauthorized,
      xhr: () => {
        const x = new FakeXhr();
        xhrs.push(x);
        return x as unknown as XMLHttpRequest;
      },
    });
    return { api, xhrs, onUnauthorized };
  }
  const photo = new Blob([new Uint8Array([0xff, 0xd8, 0xff])], { type: 'image/jpeg' });

  it('uploads the raw bytes with XMLHttpRequest: authorized, typed, with progress', async () => {
    const { api, xhrs } = uploader();
    const progress: [number, number][] = [];
    const done = api.uploadMedia('r/1', photo, { contentType: 'image/jpeg', onProgress: (s, t) => progress.push([s, t]) });
    const x = xhrs[0]!;
    expect([x.method, x.url, x.body]).toEqual(['POST', '/api/rooms/r%2F1/media', photo]);
    expect(x.headers).toMatchObject({ Authorization: 'tma q=1', 'Content-Type': 'image/jpeg' });
    expect(x.timeout).toBeGreaterThan(0);
    x.progress(1, 3);
    x.progress(3, 3);
    x.answer(201, { media_id: 'md1', kind: 'photo', width: 800, height: 1600 });
    await expect(done).resolves.toEqual({ media_id: 'md1', kind: 'photo', width: 800, height: 1600 });
    expect(progress).toEqual([
      [1, 3],
      [3, 3],
    ]);
  });

  it.each([
    [415, { error: { code: 'unsupported_media', message: 'no' } }, {}, { status: 415, code: 'unsupported_media' }],
    [413, { error: { code: 'body_too_large', message: 'big' } }, {}, { status: 413, code: 'body_too_large' }],
    [403, { error: { code: 'minors_not_allowed', message: 'no' } }, {}, { status: 403, code: 'minors_not_allowed' }],
    [
      422,
      { error: { code: 'media_not_allowed_yet', message: 'later', remaining: { me: 1, partner: 2 } } },
      {},
      { code: 'media_not_allowed_yet', remaining: { me: 1, partner: 2 } },
    ],
    [429, { error: { code: 'rate_limited', message: 'slow' } }, { 'Retry-After': '7' }, { code: 'rate_limited', retryAfter: 7 }],
    [502, '<html>', {}, { status: 502, code: 'bad_response' }],
  ])('an upload answered %i fails with a typed ApiError', async (status, body, headers, want) => {
    const { api, xhrs } = uploader();
    const done = api.uploadMedia('r1', photo, { contentType: 'image/jpeg' }).catch((e: unknown) => e);
    xhrs[0]!.answer(status, body, headers);
    const err = await done;
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject(want);
  });

  it('no answer is a network error; a cancelled upload is an AbortError; a 401 tells the app', async () => {
    const { api, xhrs, onUnauthorized } = uploader();
    const lost = api.uploadMedia('r1', photo, { contentType: 'image/jpeg' }).catch((e: unknown) => e);
    xhrs[0]!.onerror?.();
    expect(await lost).toMatchObject({ status: 0, code: 'network' });
    expect(isTransient(await lost)).toBe(true);

    const stop = new AbortController();
    const cancelled = api.uploadMedia('r1', photo, { contentType: 'image/jpeg', signal: stop.signal }).catch((e: unknown) => e);
    stop.abort();
    expect(xhrs[1]!.aborted).toBe(true);
    expect(await cancelled).toMatchObject({ name: 'AbortError' });

    const expired = api.uploadMedia('r1', photo, { contentType: 'image/jpeg' }).catch((e: unknown) => e);
    xhrs[2]!.answer(401, { error: { code: 'unauthorized', message: 'x' } });
    expect(await expired).toMatchObject({ code: 'unauthorized' });
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('fetches media with the Authorization header (never a public URL), the preview by ?preview=1', async () => {
    const f = vi.fn<typeof fetch>(async () => new Response(new Blob(['jpeg']), { status: 200, headers: { 'Content-Type': 'image/jpeg' } }));
    const api = createApiClient({ initData: 'q=1', fetch: f });
    const blob = await api.getMedia('md 1', { preview: true });
    expect(await blob.text()).toBe('jpeg');
    const [url, init] = f.mock.calls[0]!;
    expect(url).toBe('/api/media/md%201?preview=1');
    expect((init?.headers as Record<string, string>).Authorization).toBe('tma q=1');
    await api.getMedia('md1');
    expect(f.mock.calls[1]![0]).toBe('/api/media/md1');
    const gone = createApiClient({ initData: 'x', fetch: fetchReturning(404, { error: { code: 'not_found', message: 'gone' } }) });
    await expect(gone.getMedia('md1')).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });
});
