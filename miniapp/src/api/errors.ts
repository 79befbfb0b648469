import type { ErrorCode, LinkRemaining } from './types';

/** Codes the client adds for failures that never reached a JSON error body. */
export type ClientErrorCode = 'network' | 'bad_response';

/** ApiError is every failed API call: an HTTP error body, a network failure or an unreadable answer. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode;
  readonly field: string | undefined;
  /** Seconds from the Retry-After header (429 rate_limited, 503 unavailable), when present. */
  readonly retryAfter: number | undefined;
  /** For suspended: Unix ms when the restriction ends; absent for a permanent ban. */
  readonly until: number | undefined;
  /** For link_not_allowed_yet and media_not_allowed_yet: messages each side still has to send. */
  readonly remaining: LinkRemaining | undefined;

  constructor(
    status: number,
    code: ErrorCode | ClientErrorCode,
    message: string,
    opts: { field?: string; retryAfter?: number; until?: number; remaining?: LinkRemaining } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = opts.field;
    this.retryAfter = opts.retryAfter;
    this.until = opts.until;
    this.remaining = opts.remaining;
  }
}

/**
 * isTransient says whether resending the very same request later may
 * succeed: no answer at all, the server shedding load (503, 429 with
 * Retry-After), or a gateway in between failing. Any other 4xx is the
 * server's definitive refusal.
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof ApiError)) return true;
  if (err.code === 'network' || err.code === 'unavailable' || err.code === 'rate_limited') return true;
  return err.status >= 500 || err.status === 0;
}

export function isApiError(err: unknown, code?: ApiError['code']): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

const knownCodes: ReadonlySet<string> = new Set<ErrorCode>([
  'invalid_json',
  'unauthorized',
  'forbidden',
  'not_found',
  'no_profile',
  'room_closed',
  'already_matched',
  'body_too_large',
  'invalid_field',
  'rate_limited',
  'unavailable',
  'suspended',
  'banned',
  'link_not_allowed_yet',
  'unsupported_media',
  'invalid_media',
  'minors_not_allowed',
  'media_not_allowed_yet',
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function remainingOf(v: unknown): LinkRemaining | undefined {
  return isRecord(v) && isCount(v.me) && isCount(v.partner) ? { me: v.me, partner: v.partner } : undefined;
}

/** errorFromBody turns a non-2xx answer into an ApiError, tolerating bodies that are not the contract's shape. */
export function errorFromBody(status: number, body: unknown, retryAfterHeader: string | null): ApiError {
  const retry = retryAfterHeader === null ? NaN : Number(retryAfterHeader);
  const retryAfter = Number.isFinite(retry) ? retry : undefined;
  if (isRecord(body) && isRecord(body.error)) {
    const { code, message, field } = body.error;
    // `until` belongs inside the error object like `field`; a top-level one is accepted too.
    const until = typeof body.error.until === 'number' ? body.error.until : body.until;
    if (typeof code === 'string' && knownCodes.has(code)) {
      return new ApiError(status, code as ErrorCode, typeof message === 'string' ? message : code, {
        field: typeof field === 'string' ? field : undefined,
        retryAfter,
        until: typeof until === 'number' && Number.isFinite(until) ? until : undefined,
        remaining: remainingOf(body.error.remaining),
      });
    }
  }
  return new ApiError(status, 'bad_response', `HTTP ${status}`, { retryAfter });
}
