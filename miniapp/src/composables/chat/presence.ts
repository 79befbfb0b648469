import { ref } from 'vue';
import type { MessageKey } from '../../i18n';

/** unknown: this app's own connection is down, so it cannot tell. */
export type Presence = 'online' | 'offline' | 'unknown';

/** A partner's socket may drop for a moment; only say "offline" when it lasts. */
export const OFFLINE_GRACE_MS = 5000;
/** After a message from a partner nobody saw join, the room status is asked again this much later. */
export const PRESENCE_RECHECK_MS = 3000;

export interface PresenceOptions {
  /** A line in the conversation ("Partner joined", "went offline", "is back"). */
  say: (line: MessageKey) => void;
  /** Ask the server (GET /api/rooms/{id} partner_online); the answer comes back through fromStatus. */
  recheck: () => void;
  /** The partner has written already (a reopened room): their first appearance needs no "joined" line. */
  partnerHasWritten?: () => boolean;
}

/**
 * usePresence tells whether the partner is connected. Evidence, newest
 * wins: join and leave frames per connection (a partner may briefly have
 * two while reconnecting), the room status read after every subscribe (joins
 * from before it are never sent as frames), and a message from the partner.
 * While this app's own connection is down the answer is "unknown".
 */
export function usePresence(opts: PresenceOptions) {
  const presence = ref<Presence>('unknown');
  const clients = new Set<string>();
  let connected = false;
  /** What the evidence says, whatever our own connection. */
  let partnerOnline: boolean | null = null;
  let seen = false;
  let saidOffline = false;
  let version = 0;
  let offlineTimer: ReturnType<typeof setTimeout> | undefined;
  let recheckTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  function show() {
    presence.value = !connected || partnerOnline === null ? 'unknown' : partnerOnline ? 'online' : 'offline';
  }

  function becameOnline() {
    clearTimeout(offlineTimer);
    offlineTimer = undefined;
    if (!seen && !opts.partnerHasWritten?.()) opts.say('partnerJoined');
    else if (saidOffline) opts.say('partnerBack');
    seen = true;
    saidOffline = false;
    partnerOnline = true;
    show();
  }

  function goneOffline(announce: boolean) {
    clearTimeout(offlineTimer);
    offlineTimer = setTimeout(() => {
      offlineTimer = undefined;
      if (stopped || clients.size > 0) return;
      partnerOnline = false;
      if (announce && seen && !saidOffline) {
        saidOffline = true;
        opts.say('partnerOffline');
      }
      show();
    }, OFFLINE_GRACE_MS);
  }

  /** A connection of the partner subscribed. */
  function join(client: string) {
    if (stopped) return;
    version++;
    clients.add(client);
    becameOnline();
  }

  /** A connection of the partner left; the last one leaving starts the grace period. */
  function leave(client: string) {
    if (stopped) return;
    version++;
    clients.delete(client);
    if (clients.size > 0) return; // an old connection closing after a reconnect
    goneOffline(true);
  }

  /** A message from the partner: they are there now. Confirmed by the room status a moment later unless a join shows up. */
  function message() {
    if (stopped) return;
    if (partnerOnline === true) {
      if (offlineTimer !== undefined && clients.size === 0) goneOffline(true); // still writing: the grace starts again
      return;
    }
    const v = version;
    seen = true; // the message itself says they are here: no "joined" line on top of it
    becameOnline();
    clearTimeout(recheckTimer);
    recheckTimer = setTimeout(() => {
      recheckTimer = undefined;
      if (!stopped && version === v && clients.size === 0) opts.recheck();
    }, PRESENCE_RECHECK_MS);
  }

  /** marker returns the current version: a status asked for before a later join/leave is stale. */
  function marker(): number {
    return version;
  }

  /** fromStatus takes partner_online from a room status asked for at `askedAt` (see marker). */
  function fromStatus(online: boolean, askedAt: number) {
    if (stopped || askedAt !== version) return;
    if (online) becameOnline();
    else if (partnerOnline === null) {
      // First word, and it is "offline": no line, but a later join says "joined" (or "back" once seen).
      partnerOnline = false;
      saidOffline = seen;
      show();
    } else if (partnerOnline) {
      clients.clear();
      partnerOnline = false;
      if (seen && !saidOffline) {
        saidOffline = true;
        opts.say('partnerOffline');
      }
      show();
    }
  }

  /** Our own connection went up or down. */
  function connection(up: boolean) {
    connected = up;
    if (!up) clients.clear(); // we will not hear their leave frames; the next subscribe re-reads the status
    show();
  }

  /** The room closed: the partner is not "online" in it any more. */
  function stop() {
    stopped = true;
    clearTimeout(offlineTimer);
    clearTimeout(recheckTimer);
    partnerOnline = false;
    presence.value = 'offline';
  }

  return { presence, join, leave, message, marker, fromStatus, connection, stop };
}

export type PresenceTracker = ReturnType<typeof usePresence>;
