import type { PersonalEvent, RoomEvent, StreamPosition } from '../api/types';

export type ConnectionState = 'disconnected' | 'connecting' | 'connected';

export interface RoomHandlers {
  onEvent(event: RoomEvent): void;
  /**
   * A connection subscribed: `member` is its member id (own joins are reported
   * too), `client` the connection id. A member may briefly have two connections
   * while it reconnects, so presence is tracked per client.
   */
  onJoin(member: string, client: string): void;
  onLeave(member: string, client: string): void;
  /**
   * The API refused the subscription token (the room closed, or it is no
   * longer the user's current room): the subscription has stopped for good.
   */
  onRefused(): void;
  /**
   * After each (re)subscribe; `lostHistory` means recovery was attempted and
   * failed (the position was too old, or of another epoch after a Centrifugo
   * restart): what was published meanwhile must be reloaded from the API.
   */
  onSubscribed(info: { lostHistory: boolean }): void;
}

export interface RoomSubscribeOptions {
  /**
   * Where the app's copy of the conversation ends (the `stream` of GET
   * /api/rooms/{id}/messages): the first subscribe recovers from it, so exactly
   * what was published later arrives as ordinary events.
   */
  since?: StreamPosition;
}

export interface RoomSubscription {
  /** Stops delivery and unsubscribes from the room channel. */
  close(): void;
}

/**
 * Realtime is what the composables need from the Centrifugo connection; tests
 * substitute it. One connection lives for the whole app so recovery keeps working.
 */
export interface Realtime {
  readonly state: ConnectionState;
  connect(): void;
  onState(cb: (state: ConnectionState) => void): () => void;
  /** Called on every transition to connected, including the first. */
  onConnected(cb: (info: { reconnect: boolean }) => void): () => void;
  onPersonal(cb: (event: PersonalEvent) => void): () => void;
  subscribeRoom(channel: string, handlers: RoomHandlers, opts?: RoomSubscribeOptions): RoomSubscription;
}
