import { ref } from 'vue';
import type { ApiClient } from '../../api/client';
import { isTransient } from '../../api/errors';
import type { ReadMarkers } from '../../api/types';
import { compareIds, maxId } from './ids';

/** A read marker that failed for lack of an answer is posted again this much later. */
export const READ_RETRY_MS = 3000;

export interface ReadMarkerOptions {
  api: Pick<ApiClient, 'markRead'>;
  roomId: string;
}

/**
 * useReadMarkers keeps both read markers of a room. `partner` is the newest
 * own message the partner has seen (✓✓ up to it), from the room status and
 * `read` publications. `seen(id)` is called for each partner message that
 * is on screen; the greatest is posted (POST /read, monotonic on the
 * server), one request at a time, never below what the server already has.
 */
export function useReadMarkers(opts: ReadMarkerOptions) {
  const partner = ref('');
  /** The newest partner message shown on screen. */
  const mine = ref('');
  let posted = '';
  let inFlight = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  function post() {
    if (stopped || inFlight || timer !== undefined || mine.value === '' || !above(mine.value, posted)) return;
    const upTo = mine.value;
    inFlight = true;
    opts.api.markRead(opts.roomId, upTo).then(
      () => {
        inFlight = false;
        posted = maxId(posted, upTo);
        post();
      },
      (err: unknown) => {
        inFlight = false;
        if (stopped || !isTransient(err)) return; // refused (the room is gone or closed): nothing to mark
        timer = setTimeout(() => {
          timer = undefined;
          post();
        }, READ_RETRY_MS);
      },
    );
  }

  /** seen: the partner message `id` is on screen. */
  function seen(id: string) {
    if (!above(id, mine.value)) return;
    mine.value = id;
    post();
  }

  /** fromStatus takes the markers of GET /api/rooms/{id}. */
  function fromStatus(read: ReadMarkers | undefined) {
    if (!read) return;
    partner.value = maxId(partner.value, read.partner);
    posted = maxId(posted, read.me);
    mine.value = maxId(mine.value, read.me);
  }

  /** partnerRead is a `read` publication from the partner. */
  function partnerRead(upTo: string) {
    partner.value = maxId(partner.value, upTo);
  }

  function dispose() {
    stopped = true;
    clearTimeout(timer);
  }

  return { partner, mine, seen, fromStatus, partnerRead, dispose };
}

function above(id: string, than: string): boolean {
  return than === '' || compareIds(id, than) > 0;
}

export type ReadMarkerState = ReturnType<typeof useReadMarkers>;
