import type { ApiClient } from '../../api/client';
import { isApiError, isTransient, type ApiError } from '../../api/errors';
import type { LinkRemaining, SendMessageRequest } from '../../api/types';
import type { ChatMessage, Conversation, SendFailure } from './conversation';

/** Backoff for a send that got no answer (network, 5xx without Retry-After): 1 s, 2 s, 4 s … capped. */
export const RESEND_BASE_MS = 1000;
export const RESEND_MAX_MS = 30_000;
/** Jitter added to every wait so many clients shed at once do not come back at once: up to this share of the wait. */
export const RESEND_JITTER = 0.3;

/**
 * resendDelay is how long to wait before sending the same message again
 * after its `attempt`-th transient failure (0-based). A server that said
 * Retry-After is obeyed (never earlier), plus jitter; without it the wait
 * doubles from RESEND_BASE_MS up to RESEND_MAX_MS, plus jitter.
 */
export function resendDelay(attempt: number, retryAfterS: number | undefined, random: () => number = Math.random): number {
  const base =
    retryAfterS !== undefined && retryAfterS > 0
      ? retryAfterS * 1000
      : Math.min(RESEND_MAX_MS, RESEND_BASE_MS * 2 ** Math.min(attempt, 10));
  return Math.round(base * (1 + RESEND_JITTER * random()));
}

/** mediaFailure is what a refused upload (or media message) tells the user; null when it is not about the file. */
export function mediaFailure(err: ApiError): SendFailure {
  switch (err.code) {
    case 'unsupported_media':
    case 'invalid_media':
      return 'invalid';
    case 'body_too_large':
      return 'too_large';
    case 'minors_not_allowed':
      return 'minors';
    default:
      return null;
  }
}

export interface OutboxOptions {
  api: Pick<ApiClient, 'sendMessage'>;
  roomId: string;
  conversation: Conversation;
  /** The server refused a link: the message is taken back into the composer. */
  onLinkRefused?: (text: string, remaining: LinkRemaining | undefined) => void;
  /** The server refused media before the room allows it: the bubble goes, the composer says when it will. */
  onMediaRefused?: (remaining: LinkRemaining | undefined) => void;
  /** The server said the room is closed, or gone for this user. */
  onRoomError?: (err: ApiError) => void;
  /** The set of messages still to be stored changed (to keep it across a relaunch). */
  onChange?: (pending: ChatMessage[]) => void;
  random?: () => number;
}

/**
 * useOutbox sends own messages like Telegram does: each shows at once with a
 * clock, goes out in the order written, and stays pending through anything
 * that may pass (no network, the connection down, 503 or 429 with
 * Retry-After), resent with the same client_msg_id so the server stores it
 * once. Without an answer it backs off (1 s doubling to 30 s); the
 * connection coming back cuts that wait short. Only a definitive refusal (another 4xx) marks it "Not sent"; a
 * refused link goes back into the composer instead.
 */
export function useOutbox(opts: OutboxOptions) {
  const { conversation: conv } = opts;
  const random = opts.random ?? Math.random;
  /** Keys of messages still to be stored, oldest first. */
  const queue: string[] = [];
  let sending = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The current wait is a backoff after no answer (a reconnect may cut it short), not a server's Retry-After. */
  let backoffIsOurs = false;
  let stopped = false;

  function changed() {
    opts.onChange?.(queue.flatMap((k) => {
      const m = conv.find(k);
      return m && m.status === 'pending' ? [m] : [];
    }));
  }

  function enqueue(key: string) {
    if (!queue.includes(key)) queue.push(key);
    changed();
    pump();
  }

  /** pump sends the head of the queue unless a send or a wait is under way. */
  function pump() {
    if (stopped || sending || timer !== undefined || queue.length === 0) return;
    const key = queue[0]!;
    const msg = conv.find(key);
    if (!msg || msg.status !== 'pending' || msg.clientMsgId === null || (msg.media !== null && msg.media.id === null)) {
      // Stored meanwhile (its publication or the history came first), removed,
      // or media whose upload is not stored (uploads.ts enqueues it once it is).
      queue.shift();
      attempt = 0;
      changed();
      return pump();
    }
    sending = true;
    const body: SendMessageRequest = { text: msg.text, client_msg_id: msg.clientMsgId };
    if (msg.replyTo) body.reply_to = msg.replyTo;
    if (msg.media?.id) {
      body.media_id = msg.media.id;
      body.spoiler = msg.media.spoiler;
    }
    opts.api.sendMessage(opts.roomId, body).then(
      (res) => {
        sending = false;
        if (stopped) return;
        queue.shift();
        attempt = 0;
        conv.stored(key, res.id, res.ts);
        changed();
        pump();
      },
      (err: unknown) => {
        sending = false;
        if (stopped) return;
        if (isTransient(err)) {
          const retryAfter = isApiError(err) ? err.retryAfter : undefined;
          const wait = resendDelay(attempt++, retryAfter, random);
          backoffIsOurs = retryAfter === undefined;
          timer = setTimeout(() => {
            timer = undefined;
            pump();
          }, wait);
          return;
        }
        queue.shift();
        attempt = 0;
        refused(key, err as ApiError);
        changed();
        pump();
      },
    );
  }

  function refused(key: string, err: ApiError) {
    const msg = conv.find(key);
    if (msg && isApiError(err, 'link_not_allowed_yet')) {
      conv.remove(key);
      opts.onLinkRefused?.(msg.text, err.remaining);
    } else if (msg && isApiError(err, 'media_not_allowed_yet')) {
      conv.remove(key);
      opts.onMediaRefused?.(err.remaining);
    } else if (msg) {
      msg.status = 'failed';
      // A media message's refusal says what is wrong with the file; any other is "Not sent".
      msg.failure = (msg.media ? mediaFailure(err) : null) ?? 'refused';
    }
    if (isApiError(err, 'room_closed') || isApiError(err, 'not_found') || isApiError(err, 'forbidden')) {
      // Nothing else in the queue can go either.
      for (const k of queue.splice(0)) {
        const m = conv.find(k);
        if (m && m.status === 'pending') Object.assign(m, { status: 'failed', failure: 'refused' });
      }
      opts.onRoomError?.(err);
    }
  }

  /** connectionBack sends what waited for the connection at once, and cuts our own backoff short (never a Retry-After). */
  function connectionBack() {
    if (stopped) return;
    if (timer !== undefined && backoffIsOurs) {
      clearTimeout(timer);
      timer = undefined;
    }
    pump();
  }

  /** retry puts a refused message back in the queue with its client_msg_id. */
  function retry(key: string) {
    const msg = conv.find(key);
    if (!msg || msg.status !== 'failed') return;
    msg.status = 'pending';
    msg.failure = null;
    enqueue(key);
  }

  /** failAll marks everything not yet stored as not sent (the room closed). */
  function failAll() {
    for (const k of queue.splice(0)) {
      const m = conv.find(k);
      if (m && m.status === 'pending') Object.assign(m, { status: 'failed', failure: 'refused' });
    }
    changed();
  }

  function dispose() {
    stopped = true;
    clearTimeout(timer);
    timer = undefined;
  }

  return { enqueue, retry, connectionBack, failAll, dispose, pending: () => queue.length };
}

export type Outbox = ReturnType<typeof useOutbox>;
