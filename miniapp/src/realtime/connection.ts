import { Centrifuge, UnauthorizedError, type Subscription } from 'centrifuge';
import { isApiError } from '../api/errors';
import type { PersonalEvent, Token } from '../api/types';
import { memberOf, parsePersonalEvent, parseRoomEvent } from './events';
import type { ConnectionState, Realtime, RoomHandlers, RoomSubscribeOptions, RoomSubscription } from './types';

/** centrifuge-js's unsubscribedCodes.unauthorized: getToken threw UnauthorizedError. */
const UNSUBSCRIBED_UNAUTHORIZED = 1;

/** TokenSource is the slice of the API client the connection needs. */
export interface TokenSource {
  connectionToken(session: string): Promise<Token>;
  subscriptionToken(channel: string, session: string): Promise<Token>;
}

/**
 * newSession is this launch's session id. The API derives the Centrifugo
 * identity a partner sees in join/leave frames from it, so a new launch is
 * not recognisable in a later room; all tokens of one launch share it.
 */
export function newSession(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

type Listener<T> = (value: T) => void;

class Emitter<T> {
  private listeners = new Set<Listener<T>>();
  on(cb: Listener<T>): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
  emit(value: T): void {
    for (const cb of [...this.listeners]) cb(value);
  }
}

/** A 401/403 from the token endpoint means retrying cannot help: tell centrifuge-js to stop. */
async function tokenOrStop(get: () => Promise<Token>): Promise<string> {
  try {
    return (await get()).token;
  } catch (err) {
    if (isApiError(err) && (err.status === 401 || err.status === 403)) throw new UnauthorizedError(err.message);
    throw err;
  }
}

/**
 * createRealtime wraps one Centrifuge client for the app's lifetime. Room
 * subscriptions are kept as the same Subscription objects across reconnects,
 * which is what lets Centrifugo recover missed room messages.
 */
export function createRealtime(wsUrl: string, tokens: TokenSource, session = newSession()): Realtime {
  const client = new Centrifuge(wsUrl, { getToken: () => tokenOrStop(() => tokens.connectionToken(session)) });
  const stateEvents = new Emitter<ConnectionState>();
  const connectedEvents = new Emitter<{ reconnect: boolean }>();
  const personalEvents = new Emitter<PersonalEvent>();
  let state: ConnectionState = 'disconnected';
  let connectedBefore = false;

  client.on('state', (ctx) => {
    state = ctx.newState as ConnectionState;
    stateEvents.emit(state);
  });
  client.on('connected', () => {
    connectedEvents.emit({ reconnect: connectedBefore });
    connectedBefore = true;
  });
  client.on('publication', (ctx) => {
    const event = parsePersonalEvent(ctx.data);
    if (event) personalEvents.emit(event);
  });

  function subscribeRoom(channel: string, handlers: RoomHandlers, opts: RoomSubscribeOptions = {}): RoomSubscription {
    const old = client.getSubscription(channel);
    if (old) {
      old.removeAllListeners();
      old.unsubscribe();
      client.removeSubscription(old);
    }
    // `since` makes the first subscribe a recovery from that position (centrifuge-js
    // sets offset, epoch and recover from it); the subscribed event then says whether
    // it worked. Later resubscribes recover from the last publication received.
    const sub: Subscription = client.newSubscription(channel, {
      getToken: () => tokenOrStop(() => tokens.subscriptionToken(channel, session)),
      since: opts.since ? { offset: opts.since.offset, epoch: opts.since.epoch } : null,
    });
    sub.on('publication', (ctx) => {
      const event = parseRoomEvent(ctx.data);
      if (event) handlers.onEvent(event);
    });
    sub.on('join', (ctx) => {
      const member = memberOf(ctx.info.chanInfo);
      if (member) handlers.onJoin(member, ctx.info.client);
    });
    sub.on('leave', (ctx) => {
      const member = memberOf(ctx.info.chanInfo);
      if (member) handlers.onLeave(member, ctx.info.client);
    });
    sub.on('subscribed', (ctx) => handlers.onSubscribed({ lostHistory: ctx.wasRecovering && !ctx.recovered }));
    sub.on('unsubscribed', (ctx) => {
      if (ctx.code === UNSUBSCRIBED_UNAUTHORIZED) handlers.onRefused();
    });
    sub.subscribe();

    let closed = false;
    return {
      close() {
        if (closed) return;
        closed = true;
        sub.removeAllListeners();
        sub.unsubscribe();
        client.removeSubscription(sub);
      },
    };
  }

  return {
    get state() {
      return state;
    },
    connect: () => client.connect(),
    onState: (cb) => stateEvents.on(cb),
    onConnected: (cb) => connectedEvents.on(cb),
    onPersonal: (cb) => personalEvents.on(cb),
    subscribeRoom,
  };
}
