// Types of the HTTP and real-time contract described in the repository README.
// They mirror the JSON on the wire, so field names stay snake_case.

export type Gender = 'male' | 'female';
export type GenderFilter = 'any' | Gender;

export interface AppConfig {
  centrifugo_ws_url: string;
  /** Where the privacy policy lives; a path is relative to the app's origin. Default "/privacy". */
  privacy_url?: string;
  richads_pub_id?: string;
  richads_app_id?: string;
}

export interface Profile {
  nickname: string;
  gender: Gender;
  age: number;
}

export type RestrictionCode = 'suspended' | 'banned';

/** A moderation restriction: no searching until `until` (Unix ms); no `until` means a permanent ban. */
export interface Restriction {
  code: RestrictionCode;
  until?: number;
}

export type Me = ({ onboarded: true; restriction?: Restriction } & Profile) | { onboarded: false };

export interface SearchFilters {
  gender: GenderFilter;
  age_from: number;
  age_to: number;
}

export interface Partner {
  nickname: string;
  gender: Gender;
  age: number;
}

export interface Room {
  id: string;
  channel: string;
  /** This user's member id in the room: random, per room. */
  me: string;
  partner: Partner;
}

export type StartSearchResult =
  | { state: 'waiting' }
  | { state: 'matched'; room: Room };

export type SearchStatus =
  | { state: 'idle' | 'waiting' | 'expired'; room?: undefined }
  | { state: 'matched'; room: Room };

/** A Centrifugo stream position: subscribing from it delivers exactly what was published later. */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

/** The newest message id each side has marked read; '' when none yet. */
export interface ReadMarkers {
  me: string;
  partner: string;
}

/** GET /api/rooms/{id}: the room as its member sees it. */
export interface RoomInfo extends Room {
  state: 'active' | 'closed';
  partner_online: boolean;
  /** Absent from servers older than read markers. */
  read?: ReadMarkers;
  /** A member deleted the conversation: the room stays (empty) until it expires, so both can still report. */
  cleared?: boolean;
  /** Unix ms. */
  created_at: number;
  closed_at?: number;
  closed_by?: 'me' | 'partner' | 'system';
}

/**
 * A stored message. Ids are decimal strings of one length, strictly
 * increasing within a room (not consecutive).
 */
export interface HistoryMessage {
  id: string;
  /** Member id. */
  from: string;
  text: string;
  /** Unix ms. */
  ts: number;
  /** On the sender's own messages: the id the sender's app gave it, so it knows the stored copy. */
  client_msg_id?: string;
  /** The id of the message this one replies to. */
  reply_to?: string;
  /** A photo or voice message; `text` is then its caption (may be ''). */
  media?: MessageMedia;
}

export type MediaKind = 'photo' | 'voice';

/** The media of a message: fetched with GET /api/media/{id} (members of the room only). */
export interface MessageMedia {
  id: string;
  kind: MediaKind;
  /** Photos: the stored picture's size in pixels. */
  width?: number;
  height?: number;
  /** Voice: the recording's length. */
  duration_ms?: number;
  /** A photo the partner sees blurred until tapped. */
  spoiler: boolean;
}

/** POST /api/rooms/{id}/media: the stored upload, to be sent with POST …/messages {media_id}. */
export interface UploadedMedia {
  media_id: string;
  kind: MediaKind;
  width?: number;
  height?: number;
  duration_ms?: number;
}

/** GET /api/rooms/{id}/messages: one page, oldest first. */
export interface HistoryPage {
  messages: HistoryMessage[];
  has_more: boolean;
  /** The page reaches the oldest kept message and older ones were dropped (the room's cap). */
  truncated?: boolean;
  stream: StreamPosition;
}

export interface HistoryQuery {
  /** A message id: only older messages. */
  before?: string;
  /** 1–100; the server's default is 50. */
  limit?: number;
}

export type ReportReason = 'spam' | 'abuse' | 'sexual' | 'minor' | 'other';

export interface ReportRequest {
  reason: ReportReason;
  /** At most 500 characters. */
  comment?: string;
}

export interface Token {
  token: string;
  /** Unix seconds. */
  expires_at: number;
}

export interface SendMessageRequest {
  /** 1–4096 characters; with media_id a caption, which may be ''. */
  text: string;
  client_msg_id: string;
  /** A message of this room still kept; else 422 invalid_field reply_to. */
  reply_to?: string;
  /** An upload of the sender's in this room (POST …/media), sent once. */
  media_id?: string;
  /** With media_id: the partner sees the photo blurred until tapped. */
  spoiler?: boolean;
}

export interface ReadRequest {
  up_to: string;
}

/** A count the server rounds so no small group is identifiable: an integer >= 3, or "<3". */
export type RoundedCount = number | '<3';

/** GET /api/queue: who is around for a search with these filters. */
export interface QueueStatus {
  online: RoundedCount;
  searching_fit: RoundedCount;
  expected_wait_s: number | null;
}

/** 422 link_not_allowed_yet and media_not_allowed_yet: how many more messages each side must send first. */
export interface LinkRemaining {
  me: number;
  partner: number;
}

export interface SentMessage {
  id: string;
  /** Unix milliseconds. */
  ts: number;
}

export type ErrorCode =
  | 'invalid_json'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'no_profile'
  | 'room_closed'
  | 'already_matched'
  | 'body_too_large'
  | 'invalid_field'
  | 'rate_limited'
  | 'unavailable'
  | 'suspended'
  | 'banned'
  | 'link_not_allowed_yet'
  | 'unsupported_media'
  | 'invalid_media'
  | 'minors_not_allowed'
  | 'media_not_allowed_yet';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string; until?: number; remaining?: LinkRemaining };
}

/** Publications on the personal channel. */
export type PersonalEvent =
  | { type: 'matched'; room: Room }
  | { type: 'search_expired' }
  | ({ type: 'restricted' } & Restriction);

/** Publications on a room channel. `from` is a member id. */
export type RoomEvent =
  | ({ type: 'message' } & HistoryMessage)
  | { type: 'typing'; from: string }
  | { type: 'left'; from: string }
  /** `from` marked every message up to `up_to` read (not kept in channel history). */
  | { type: 'read'; from: string; up_to: string };
