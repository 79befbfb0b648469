import type { LinkRemaining } from '../../api/types';
import type { ChatItem } from './conversation';

/** How many stored messages each side has on screen. */
export interface SentCounts {
  mine: number;
  theirs: number;
}

/** An `unlock` of the room status with what was on screen when it was read. */
export interface UnlockSnapshot {
  remaining: LinkRemaining;
  at: SentCounts;
}

export function sentCounts(items: readonly ChatItem[]): SentCounts {
  const c = { mine: 0, theirs: 0 };
  for (const i of items) {
    if (i.kind !== 'message' || i.id === null) continue;
    if (i.mine) c.mine++;
    else c.theirs++;
  }
  return c;
}

/**
 * stillLocked is how many messages each side still has to send before
 * photos, voice messages and links are allowed, from the room status's
 * `unlock` and the messages stored since it was read; null when allowed (or
 * not known). It can only err towards "allowed" (a message counted twice),
 * and then the server's 422 says the rest.
 */
export function stillLocked(snap: UnlockSnapshot | null, now: SentCounts): LinkRemaining | null {
  if (!snap) return null;
  const me = Math.max(0, snap.remaining.me - Math.max(0, now.mine - snap.at.mine));
  const partner = Math.max(0, snap.remaining.partner - Math.max(0, now.theirs - snap.at.theirs));
  return me === 0 && partner === 0 ? null : { me, partner };
}
