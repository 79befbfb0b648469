import { ApiError, errorFromBody } from './errors';
import type {
  AppConfig,
  HistoryPage,
  HistoryQuery,
  Me,
  Profile,
  QueueStatus,
  ReportRequest,
  RoomInfo,
  SearchFilters,
  SearchStatus,
  SendMessageRequest,
  SentMessage,
  StartSearchResult,
  Token,
  UploadedMedia,
} from './types';

/** How an upload goes: `onProgress` as bytes leave; aborting `signal` rejects with a DOMException named AbortError. */
export interface UploadOptions {
  contentType: string;
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/** ApiClient is the whole HTTP contract of the README, one method per endpoint. */
export interface ApiClient {
  getConfig(): Promise<AppConfig>;
  getMe(): Promise<Me>;
  putMe(profile: Profile): Promise<Me>;
  startSearch(filters: SearchFilters): Promise<StartSearchResult>;
  getSearch(): Promise<SearchStatus>;
  /** Who is around for these filters (counts rounded by the server). */
  getQueue(filters: SearchFilters): Promise<QueueStatus>;
  /** Resolves on 204; rejects with ApiError code 'already_matched' when the match already happened. */
  cancelSearch(): Promise<void>;
  /** session: this launch's id (realtime/connection.ts newSession). */
  connectionToken(session: string): Promise<Token>;
  subscriptionToken(channel: string, session: string): Promise<Token>;
  sendMessage(roomId: string, msg: SendMessageRequest): Promise<SentMessage>;
  sendTyping(roomId: string): Promise<void>;
  /** Marks every message up to `upTo` read (204; monotonic and idempotent on the server). */
  markRead(roomId: string, upTo: string): Promise<void>;
  /** `block` keeps the two users apart for good. */
  leaveRoom(roomId: string, opts?: { block?: boolean }): Promise<void>;
  /** Closes the room like leave (the partner sees only "left") and blocks the pair. */
  reportRoom(roomId: string, report: ReportRequest): Promise<void>;
  getRoom(roomId: string): Promise<RoomInfo>;
  getMessages(roomId: string, query?: HistoryQuery): Promise<HistoryPage>;
  /** Leaves an active room, then deletes the conversation for both. Idempotent. */
  deleteRoom(roomId: string): Promise<void>;
  /**
   * Uploads a photo or a voice message as the raw body, with
   * XMLHttpRequest: its upload progress works in Chromium and in Telegram's
   * webviews (a streamed fetch body does not). Fails like every call, with
   * an ApiError.
   */
  uploadMedia(roomId: string, body: Blob, opts: UploadOptions): Promise<UploadedMedia>;
  /** A photo (or its blurred preview) or a voice message, fetched with the Authorization header: never a public URL. */
  getMedia(mediaId: string, opts?: { preview?: boolean }): Promise<Blob>;
}

export interface ApiClientOptions {
  /** Raw Telegram init data, sent as `Authorization: tma <initData>`. */
  initData: string;
  /** Origin of the API; empty means the page's own origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** For uploads and media downloads, which may take a while on a phone network. */
  mediaTimeoutMs?: number;
  /** Makes the request of an upload (tests substitute it). */
  xhr?: () => XMLHttpRequest;
  /**
   * Called on every 401: the init data is too old or the server's secrets
   * changed, so no call can succeed until the app is opened again.
   */
  onUnauthorized?: () => void;
}

export function createApiClient(opts: ApiClientOptions): ApiClient {
  const base = opts.baseUrl ?? '';
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const mediaTimeoutMs = opts.mediaTimeoutMs ?? 120_000;
  const newXhr = opts.xhr ?? (() => new XMLHttpRequest());

  function parse(text: string): unknown {
    if (text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }

  function refused(status: number, body: unknown, retryAfter: string | null, auth: boolean): ApiError {
    if (status === 401 && auth) opts.onUnauthorized?.();
    return errorFromBody(status, body, retryAfter);
  }

  async function call<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (auth) headers.Authorization = `tma ${opts.initData}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';

    let res: Response;
    try {
      res = await doFetch(base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new ApiError(0, 'network', err instanceof Error ? err.message : String(err));
    }

    if (res.status === 204) return undefined as T;
    const parsed = parse(await res.text().catch(() => ''));
    if (!res.ok) throw refused(res.status, parsed, res.headers.get('Retry-After'), auth);
    if (parsed === undefined) throw new ApiError(res.status, 'bad_response', `${method} ${path}: no JSON body`);
    return parsed as T;
  }

  function upload(path: string, body: Blob, o: UploadOptions): Promise<UploadedMedia> {
    return new Promise((resolve, reject) => {
      if (o.signal?.aborted) return reject(new DOMException('upload cancelled', 'AbortError'));
      const xhr = newXhr();
      const onAbort = () => xhr.abort();
      const settle = () => o.signal?.removeEventListener('abort', onAbort);
      xhr.open('POST', base + path);
      xhr.setRequestHeader('Authorization', `tma ${opts.initData}`);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.setRequestHeader('Content-Type', o.contentType);
      xhr.timeout = mediaTimeoutMs;
      xhr.upload.onprogress = (e) => o.onProgress?.(e.loaded, e.lengthComputable ? e.total : body.size);
      xhr.onload = () => {
        settle();
        const parsed = parse(xhr.responseText);
        if (xhr.status < 200 || xhr.status > 299) return reject(refused(xhr.status, parsed, xhr.getResponseHeader('Retry-After'), true));
        if (parsed === undefined) return reject(new ApiError(xhr.status, 'bad_response', `POST ${path}: no JSON body`));
        resolve(parsed as UploadedMedia);
      };
      xhr.onerror = () => {
        settle();
        reject(new ApiError(0, 'network', `POST ${path}: no answer`));
      };
      xhr.ontimeout = () => {
        settle();
        reject(new ApiError(0, 'network', `POST ${path}: timed out`));
      };
      xhr.onabort = () => {
        settle();
        reject(new DOMException('upload cancelled', 'AbortError'));
      };
      o.signal?.addEventListener('abort', onAbort);
      xhr.send(body);
    });
  }

  async function download(path: string): Promise<Blob> {
    let res: Response;
    try {
      res = await doFetch(base + path, {
        headers: { Authorization: `tma ${opts.initData}` },
        signal: AbortSignal.timeout(mediaTimeoutMs),
      });
    } catch (err) {
      throw new ApiError(0, 'network', err instanceof Error ? err.message : String(err));
    }
    if (!res.ok) throw refused(res.status, parse(await res.text().catch(() => '')), res.headers.get('Retry-After'), true);
    try {
      return await res.blob();
    } catch (err) {
      throw new ApiError(0, 'network', err instanceof Error ? err.message : String(err));
    }
  }

  const room = (id: string) => `/api/rooms/${encodeURIComponent(id)}`;

  return {
    getConfig: () => call<AppConfig>('GET', '/api/config', undefined, false),
    getMe: () => call<Me>('GET', '/api/me'),
    putMe: (profile) => call<Me>('PUT', '/api/me', profile),
    startSearch: (filters) => call<StartSearchResult>('POST', '/api/search', filters),
    getSearch: () => call<SearchStatus>('GET', '/api/search'),
    cancelSearch: () => call<void>('DELETE', '/api/search'),
    getQueue: (f) => {
      const q = new URLSearchParams({ gender: f.gender, age_from: String(f.age_from), age_to: String(f.age_to) });
      return call<QueueStatus>('GET', `/api/queue?${q.toString()}`);
    },
    connectionToken: (session) => call<Token>('POST', '/api/centrifugo/connection-token', { session }),
    subscriptionToken: (channel, session) => call<Token>('POST', '/api/centrifugo/subscription-token', { channel, session }),
    sendMessage: (roomId, msg) => call<SentMessage>('POST', `${room(roomId)}/messages`, msg),
    sendTyping: (roomId) => call<void>('POST', `${room(roomId)}/typing`),
    markRead: (roomId, upTo) => call<void>('POST', `${room(roomId)}/read`, { up_to: upTo }),
    leaveRoom: (roomId, o) => call<void>('POST', `${room(roomId)}/leave`, o?.block ? { block: true } : undefined),
    reportRoom: (roomId, report) => call<void>('POST', `${room(roomId)}/report`, report),
    getRoom: (roomId) => call<RoomInfo>('GET', room(roomId)),
    getMessages: (roomId, q = {}) => {
      const params = new URLSearchParams();
      if (q.before !== undefined) params.set('before', q.before);
      if (q.limit !== undefined) params.set('limit', String(q.limit));
      const qs = params.toString();
      return call<HistoryPage>('GET', `${room(roomId)}/messages${qs ? `?${qs}` : ''}`);
    },
    deleteRoom: (roomId) => call<void>('DELETE', room(roomId)),
    uploadMedia: (roomId, body, o) => upload(`${room(roomId)}/media`, body, o),
    getMedia: (id, o) => download(`/api/media/${encodeURIComponent(id)}${o?.preview ? '?preview=1' : ''}`),
  };
}
