import { describe, expect, it, vi } from 'vitest';
import { createApiClient, type ApiClient } from './client';
import { ApiError } from './errors';

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
    [422, { error: { code: 'link_not_allowed_yet', message: 'later' } }, {}, { code: 'link_not_allowed_yet' }],
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

  it('turns a network failure into ApiError network', async () => {
    const f = vi.fn<typeof fetch>(() => Promise.reject(new TypeError('Failed to fetch')));
    const err = await createApiClient({ initData: 'x', fetch: f })
      .getMe()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, code: 'network' });
  });
});
