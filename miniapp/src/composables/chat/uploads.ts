import type { ApiClient } from '../../api/client';
import { isApiError, isTransient, type ApiError } from '../../api/errors';
import type { LinkRemaining, UploadedMedia } from '../../api/types';
import type { ChatMessage, Conversation } from './conversation';
import { mediaFailure, resendDelay } from './outbox';
import type { PreparedPhoto } from './photo';

export interface UploadsOptions {
  api: Pick<ApiClient, 'uploadMedia'>;
  roomId: string;
  conversation: Conversation;
  /** Where the bubble finds an upload's bytes: put under its local key, aliased to the media id once stored. */
  cache: { put(key: string, blob: Blob): void; alias(from: string, to: string): void; drop(key: string): void };
  /** The upload is stored: its message can be sent (the outbox takes it from here). */
  onUploaded: (key: string) => void;
  /** The room does not allow media yet: the bubble is gone, the composer says when it will. */
  onMediaRefused?: (remaining: LinkRemaining | undefined) => void;
  /** The server said the room is closed, or gone for this user. */
  onRoomError?: (err: ApiError) => void;
  random?: () => number;
}

interface Job {
  /** null while a photo is still being prepared. */
  blob: Blob | null;
  contentType: string;
  attempt: number;
  controller: AbortController | null;
}

const isAbort = (err: unknown) => err instanceof DOMException && err.name === 'AbortError';

/**
 * useUploads is the first half of sending a photo or a voice message: the
 * bytes go up (POST /api/rooms/{id}/media) one upload at a time, in the
 * order chosen, with their progress on the bubble; then the message joins
 * the outbox, which sends it like text. Whatever may pass (no network, 5xx,
 * 503 and 429 with Retry-After) waits and tries again with the outbox's
 * backoff, cut short when the connection comes back; a refusal says why on
 * the bubble. An upload can be cancelled at any point before it is stored.
 * Unsent uploads live only as long as the room is on screen: their bytes
 * are not kept across a relaunch.
 */
export function useUploads(opts: UploadsOptions) {
  const { conversation: conv } = opts;
  const random = opts.random ?? Math.random;
  const jobs = new Map<string, Job>();
  /** Keys in the order chosen; the head is the one uploading or waiting. */
  const queue: string[] = [];
  let active: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let backoffIsOurs = false;
  let stopped = false;

  const localKey = (m: ChatMessage) => m.media?.local ?? m.key;

  function setPhase(m: ChatMessage, phase: NonNullable<ChatMessage['upload']>['phase'], progress = m.upload?.progress ?? 0) {
    m.upload = { phase, progress };
  }

  /** add queues the bytes of an own media message (already on screen, pending). */
  function add(key: string, blob: Blob, contentType: string) {
    const m = conv.find(key);
    if (!m || stopped) return;
    opts.cache.put(localKey(m), blob);
    jobs.set(key, { blob, contentType, attempt: 0, controller: null });
    queue.push(key);
    setPhase(m, 'queued', 0);
    pump();
  }

  /** addPhoto queues a photo that is still being prepared (downscaled); it keeps its place in the order. */
  function addPhoto(key: string, prepared: Promise<PreparedPhoto>) {
    const m = conv.find(key);
    if (!m || stopped) return;
    const job: Job = { blob: null, contentType: 'image/jpeg', attempt: 0, controller: null };
    jobs.set(key, job);
    queue.push(key);
    setPhase(m, 'preparing', 0);
    prepared.then(
      (p) => {
        const msg = conv.find(key);
        if (jobs.get(key) !== job || !msg) return; // cancelled meanwhile
        job.blob = p.blob;
        opts.cache.put(localKey(msg), p.blob);
        if (msg.media) Object.assign(msg.media, { width: p.width, height: p.height });
        setPhase(msg, 'queued', 0);
        pump();
      },
      () => {
        const msg = conv.find(key);
        if (jobs.get(key) !== job || !msg) return;
        forget(key); // nothing to retry: the file is not a picture
        fail(msg, 'invalid');
        pump();
      },
    );
  }

  /** dequeue takes a key out of the order; its job (and bytes) stay for a retry until forgotten. */
  function dequeue(key: string) {
    const at = queue.indexOf(key);
    if (at >= 0) queue.splice(at, 1);
  }

  function forget(key: string) {
    dequeue(key);
    jobs.delete(key);
  }

  function fail(m: ChatMessage, failure: ChatMessage['failure']) {
    m.status = 'failed';
    m.failure = failure;
    setPhase(m, 'failed');
  }

  function stored(key: string, res: UploadedMedia) {
    const m = conv.find(key);
    forget(key);
    if (!m?.media) return;
    const media = m.media;
    media.id = res.media_id;
    if (res.width && res.height) Object.assign(media, { width: res.width, height: res.height });
    if (res.duration_ms) media.durationMs = res.duration_ms;
    opts.cache.alias(localKey(m), res.media_id);
    m.upload = null;
    opts.onUploaded(key);
  }

  function pump() {
    if (stopped || active !== null || timer !== undefined) return;
    const key = queue[0];
    if (key === undefined) return;
    const job = jobs.get(key);
    const m = conv.find(key);
    if (!job || !m || m.status !== 'pending') {
      forget(key);
      return pump();
    }
    if (!job.blob) return; // still being prepared: the next ones wait their turn
    active = key;
    const controller = new AbortController();
    job.controller = controller;
    setPhase(m, 'uploading', 0);
    opts.api
      .uploadMedia(opts.roomId, job.blob, {
        contentType: job.contentType,
        signal: controller.signal,
        onProgress: (sent, total) => {
          const msg = conv.find(key);
          if (msg?.upload && total > 0) msg.upload.progress = Math.min(1, sent / total);
        },
      })
      .then(
        (res) => {
          active = null;
          job.controller = null;
          if (stopped || jobs.get(key) !== job) return;
          stored(key, res);
          pump();
        },
        (err: unknown) => {
          active = null;
          job.controller = null;
          if (stopped) return;
          if (jobs.get(key) !== job || isAbort(err)) return pump(); // cancelled
          const msg = conv.find(key);
          if (!msg) {
            forget(key);
            return pump();
          }
          if (isTransient(err)) {
            const retryAfter = isApiError(err) ? err.retryAfter : undefined;
            backoffIsOurs = retryAfter === undefined;
            setPhase(msg, 'waiting', 0);
            timer = setTimeout(() => {
              timer = undefined;
              pump();
            }, resendDelay(job.attempt++, retryAfter, random));
            return;
          }
          dequeue(key);
          refused(msg, err as ApiError);
          pump();
        },
      );
  }

  function refused(m: ChatMessage, err: ApiError) {
    if (isApiError(err, 'media_not_allowed_yet')) {
      remove(m.key);
      opts.onMediaRefused?.(err.remaining);
      return;
    }
    fail(m, mediaFailure(err) ?? 'refused');
    if (isApiError(err, 'room_closed') || isApiError(err, 'not_found') || isApiError(err, 'forbidden')) {
      failAll();
      opts.onRoomError?.(err);
    }
  }

  /** cancel stops an upload (in flight, waiting or refused) and takes its bubble away. */
  function cancel(key: string) {
    const job = jobs.get(key);
    if (job) {
      if (queue[0] === key && timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      forget(key);
      job.controller?.abort();
    }
    remove(key);
    pump();
  }

  function remove(key: string) {
    jobs.delete(key);
    const m = conv.find(key);
    if (m?.media) opts.cache.drop(localKey(m));
    conv.remove(key);
  }

  /** retry uploads a refused one again with the same bytes (the user asked, e.g. after a generic refusal). */
  function retry(key: string) {
    const m = conv.find(key);
    const job = jobs.get(key);
    if (!m || !job?.blob || m.status !== 'failed' || stopped) return;
    m.status = 'pending';
    m.failure = null;
    job.attempt = 0;
    if (!queue.includes(key)) queue.push(key);
    setPhase(m, 'queued', 0);
    pump();
  }

  /** canRetry: a refused upload whose bytes are still here. */
  const canRetry = (key: string) => jobs.get(key)?.blob != null && conv.find(key)?.status === 'failed';

  /** connectionBack uploads what waited for the network at once (never before a server's Retry-After). */
  function connectionBack() {
    if (stopped) return;
    if (timer !== undefined && backoffIsOurs) {
      clearTimeout(timer);
      timer = undefined;
    }
    pump();
  }

  /** failAll marks every upload not stored as not sent (the room closed). */
  function failAll() {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    queue.splice(0);
    for (const [key, job] of [...jobs]) {
      jobs.delete(key);
      job.controller?.abort();
      const m = conv.find(key);
      if (m && m.status === 'pending') fail(m, 'refused');
    }
  }

  function dispose() {
    stopped = true;
    clearTimeout(timer);
    timer = undefined;
    for (const job of jobs.values()) job.controller?.abort();
  }

  return { add, addPhoto, cancel, retry, canRetry, connectionBack, failAll, dispose, pending: () => queue.length };
}

export type Uploads = ReturnType<typeof useUploads>;
