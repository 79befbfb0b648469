import { computed, reactive, ref, type Ref } from 'vue';
import type { ApiClient } from '../../api/client';
import { isApiError, type ApiError } from '../../api/errors';
import type { RevealState, RevealStatus } from '../../api/types';

/**
 * What the room shows of the contact exchange:
 *   hidden         minors mode, or a room that ended without one: nothing is offered
 *   idle           nobody offered: the menu has "Share my Telegram"
 *   waiting        the user's offer stands: "Waiting for your partner" and "Take it back"
 *   need_username  the user agreed but has no username now: the exchange waits for one
 *   invited        the partner offered: "Your partner would like to exchange contacts" (Accept / Not now)
 *   dismissed      the partner offered and the user said "Not now": they can still accept from the menu
 *   done           both agreed: "Contacts exchanged — see the bot" (the app never sees a username)
 */
export type RevealView = 'hidden' | 'idle' | 'waiting' | 'need_username' | 'invited' | 'dismissed' | 'done';

/**
 * Why the last tap did not do what it said:
 *   username     no public username (409 username_required): how to set one
 *   minors       minors mode (403 minors_not_allowed, rule reveal)
 *   not_allowed  the pair cannot exchange (409 not_allowed)
 *   failed       anything else (network, …)
 */
export type RevealNotice = 'username' | 'minors' | 'not_allowed' | 'failed' | null;

/** What the user does with the exchange on screen (the components send these up as one event). */
export type RevealAction = 'offer' | 'withdraw' | 'dismiss' | 'dismiss-notice';

/** menuAction is the chat menu's exchange item for a view: offer, accept, take back, or none. */
export function menuAction(view: RevealView): 'share' | 'accept' | 'withdraw' | null {
  switch (view) {
    case 'idle':
      return 'share';
    case 'invited':
    case 'dismissed':
      return 'accept';
    case 'waiting':
    case 'need_username':
      return 'withdraw';
    default:
      return null;
  }
}

export interface RevealOptions {
  api: Pick<ApiClient, 'offerReveal' | 'withdrawReveal'>;
  roomId: string;
  /** The user's member id in the room. */
  me: string;
  /** The room on screen has ended (only a finished exchange still shows). */
  closed: Readonly<Ref<boolean>>;
  /** Minors mode from the ages: no exchange is offered at all. */
  minors: boolean;
  /** The server said the room is closed or gone for this user. */
  onRoomError?: (err: ApiError) => void;
}

/**
 * useReveal is the contact exchange of one room, from the room status
 * (`reveal` of GET /api/rooms/{id}), the room's `reveal` publications and
 * the user's own taps. Nothing here ever holds a username: the server takes
 * it from each user's own init data and the bot sends the links.
 */
export function useReveal(opts: RevealOptions) {
  const state = reactive({ me: false, partner: false, done: false, needUsername: false, minors: opts.minors });
  /** "Not now" on the partner's offer: local, until the partner offers again. */
  const dismissed = ref(false);
  const busy = ref(false);
  const notice = ref<RevealNotice>(null);
  /** Counts what changed the state since the app last asked the server, so an older status does not undo it. */
  let changes = 0;

  const view = computed<RevealView>(() => {
    if (state.done) return 'done';
    if (opts.closed.value || state.minors) return 'hidden';
    if (state.me) return state.needUsername ? 'need_username' : 'waiting';
    if (state.partner) return dismissed.value ? 'dismissed' : 'invited';
    return 'idle';
  });

  /** marker is taken when the room status is asked for; fromStatus compares it. */
  const marker = () => changes;

  /**
   * fromStatus takes the room status unless a publication or a tap changed
   * the exchange since it was asked for (`askedAt`, from marker()); a done
   * exchange and minors mode are taken from any status (neither goes back).
   */
  function fromStatus(rv: RevealStatus | undefined, minors: boolean | undefined, askedAt: number) {
    if (minors) state.minors = true;
    if (!rv) return;
    if (rv.done) return finish();
    if (askedAt !== changes) return;
    if (rv.partner && !state.partner) dismissed.value = false;
    state.me = rv.me;
    state.partner = rv.partner;
    state.needUsername = rv.me && rv.need_username === true;
  }

  function finish() {
    Object.assign(state, { me: true, partner: true, done: true, needUsername: false });
    notice.value = null;
  }

  /** event applies a `reveal` publication of the room channel (kept in its history, so recovery replays them in order). */
  function event(from: string, s: RevealState) {
    changes++;
    if (s === 'done') return finish();
    if (state.done) return;
    const offered = s === 'offered';
    if (from === opts.me) {
      state.me = offered;
      state.needUsername = false;
    } else {
      if (offered && !state.partner) dismissed.value = false;
      state.partner = offered;
    }
  }

  function refused(err: unknown) {
    if (isApiError(err, 'username_required')) notice.value = 'username';
    else if (isApiError(err, 'minors_not_allowed')) {
      state.minors = true;
      notice.value = 'minors';
    } else if (isApiError(err, 'not_allowed')) notice.value = 'not_allowed';
    else if (isApiError(err, 'already_revealed')) finish();
    else if (isApiError(err, 'room_closed') || isApiError(err, 'not_found') || isApiError(err, 'forbidden')) opts.onRoomError?.(err);
    else notice.value = 'failed';
  }

  /** offer agrees to exchange contacts: "Share my Telegram", or Accept when the partner offered. */
  async function offer(): Promise<void> {
    if (busy.value || state.done || state.minors || opts.closed.value) return;
    busy.value = true;
    notice.value = null;
    try {
      await opts.api.offerReveal(opts.roomId);
      changes++;
      if (!state.done) Object.assign(state, { me: true, needUsername: false });
    } catch (err) {
      refused(err);
    } finally {
      busy.value = false;
    }
  }

  /** withdraw takes the user's agreement back ("Take it back"), until the exchange is done. */
  async function withdraw(): Promise<void> {
    if (busy.value || state.done || !state.me) return;
    busy.value = true;
    notice.value = null;
    try {
      await opts.api.withdrawReveal(opts.roomId);
      changes++;
      if (!state.done) Object.assign(state, { me: false, needUsername: false });
    } catch (err) {
      refused(err);
    } finally {
      busy.value = false;
    }
  }

  /** dismiss is "Not now": the banner goes; the partner is not told, and the menu still offers to accept. */
  function dismiss() {
    if (state.partner && !state.done) dismissed.value = true;
  }

  function dismissNotice() {
    notice.value = null;
  }

  function act(a: RevealAction) {
    if (a === 'offer') void offer();
    else if (a === 'withdraw') void withdraw();
    else if (a === 'dismiss') dismiss();
    else dismissNotice();
  }

  return { view, notice, busy, minors: computed(() => state.minors), marker, fromStatus, event, offer, withdraw, dismiss, dismissNotice, act };
}

export type Reveal = ReturnType<typeof useReveal>;
