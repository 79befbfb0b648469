// Test doubles for the API client and the real-time layer, built on their TypeScript interfaces.
import { vi, type Mock } from 'vitest';
import type { ApiClient } from '../api/client';
import { ApiError } from '../api/errors';
import type { HistoryPage, PersonalEvent, Room, RoomInfo } from '../api/types';
import type { ConnectionState, Realtime, RoomHandlers, RoomSubscribeOptions } from '../realtime/types';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** flush lets every already-settled promise callback run. */
export const flush = () => new Promise<void>((r) => setTimeout(r, 0));

export type FakeApi = { [K in keyof ApiClient]: Mock<ApiClient[K]> };

const methods: (keyof ApiClient)[] = [
  'getConfig',
  'getMe',
  'putMe',
  'startSearch',
  'getSearch',
  'cancelSearch',
  'connectionToken',
  'subscriptionToken',
  'sendMessage',
  'sendTyping',
  'markRead',
  'getQueue',
  'leaveRoom',
  'reportRoom',
  'getRoom',
  'getMessages',
  'deleteRoom',
  'uploadMedia',
  'getMedia',
];

export const emptyHistory: HistoryPage = { messages: [], has_more: false, stream: { offset: 0, epoch: 'e1' } };

/** roomInfo is GET /api/rooms/{id} for testRoom (or another room), active with the partner online unless told. */
export function roomInfo(over: Partial<RoomInfo> = {}): RoomInfo {
  return { ...testRoom, state: 'active', partner_online: true, created_at: 1, ...over };
}

/**
 * fakeApi answers every call with a rejection until a test sets a result;
 * typing, leave, report and delete succeed, testRoom exists (active, partner
 * online) with an empty history, and any other room is not found.
 */
export function fakeApi(): FakeApi {
  const api = {} as Record<keyof ApiClient, Mock>;
  for (const m of methods) api[m] = vi.fn(() => Promise.reject(new Error(`unexpected call ${m}`)));
  api.sendTyping.mockResolvedValue(undefined);
  api.markRead.mockResolvedValue(undefined);
  api.leaveRoom.mockResolvedValue(undefined);
  api.reportRoom.mockResolvedValue(undefined);
  api.deleteRoom.mockResolvedValue(undefined);
  const notFound = () => Promise.reject(new ApiError(404, 'not_found', 'room not found'));
  api.getRoom.mockImplementation((id: string) => (id === testRoom.id ? Promise.resolve(roomInfo()) : notFound()));
  api.getMessages.mockImplementation((id: string) => (id === testRoom.id ? Promise.resolve(emptyHistory) : notFound()));
  return api as FakeApi;
}

/** FakeRealtime records subscriptions and lets a test push events as the server would. */
export class FakeRealtime implements Realtime {
  state: ConnectionState = 'disconnected';
  rooms = new Map<string, RoomHandlers>();
  /** The options of each subscribe, in order. */
  subscribes: { channel: string; opts: RoomSubscribeOptions }[] = [];
  closed: string[] = [];
  private personal = new Set<(e: PersonalEvent) => void>();
  private connected = new Set<(i: { reconnect: boolean }) => void>();
  private states = new Set<(s: ConnectionState) => void>();
  private everConnected = false;

  connect() {
    this.setState('connecting');
    this.setState('connected');
  }
  onState(cb: (s: ConnectionState) => void) {
    this.states.add(cb);
    return () => this.states.delete(cb);
  }
  onConnected(cb: (i: { reconnect: boolean }) => void) {
    this.connected.add(cb);
    return () => this.connected.delete(cb);
  }
  onPersonal(cb: (e: PersonalEvent) => void) {
    this.personal.add(cb);
    return () => this.personal.delete(cb);
  }
  /** Like Centrifugo: a subscribe on a live connection reports `subscribed` a moment later. */
  autoSubscribed = true;
  subscribeRoom(channel: string, handlers: RoomHandlers, opts: RoomSubscribeOptions = {}) {
    this.rooms.set(channel, handlers);
    this.subscribes.push({ channel, opts });
    if (this.autoSubscribed && this.state === 'connected') queueMicrotask(() => handlers.onSubscribed({ lostHistory: false }));
    return { close: () => this.closed.push(channel) };
  }

  setState(s: ConnectionState) {
    this.state = s;
    for (const cb of this.states) cb(s);
    if (s === 'connected') {
      for (const cb of this.connected) cb({ reconnect: this.everConnected });
      this.everConnected = true;
    }
  }
  push(e: PersonalEvent) {
    for (const cb of this.personal) cb(e);
  }
  room(channel: string): RoomHandlers {
    const h = this.rooms.get(channel);
    if (!h) throw new Error(`not subscribed to ${channel}`);
    return h;
  }
}

export const testRoom: Room = {
  id: 'r1',
  channel: 'room:r1',
  me: 'm-me',
  partner: { nickname: 'Bob', gender: 'male', age: 27 },
};

/** FakeXhr is the XMLHttpRequest of an upload: a test answers it, reports progress, or sees it aborted. */
export class FakeXhr {
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown = undefined;
  timeout = 0;
  status = 0;
  responseText = '';
  aborted = false;
  private answerHeaders: Record<string, string> = {};
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  onabort: (() => void) | null = null;

  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  getResponseHeader(name: string): string | null {
    return this.answerHeaders[name] ?? null;
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true });
  }
  answer(status: number, body: unknown, headers: Record<string, string> = {}) {
    this.status = status;
    this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
    this.answerHeaders = headers;
    this.onload?.();
  }
}
