// Types of the HTTP and real-time contract described in the repository README.
// They mirror the JSON on the wire, so field names stay snake_case.

export type Gender = 'male' | 'female';
export type GenderFilter = 'any' | Gender;

export interface AppConfig {
  centrifugo_ws_url: string;
  /** Where the privacy policy lives; a path is relative to the app's origin. Default "/privacy". */
  privacy_url?: string;
  /** The interests a profile may name (at most MAX_INTERESTS of them); absent from older servers. */
  interests?: string[];
  /** SEARCH_TTL in whole seconds: how long a waiting search lasts; absent from older servers (then 600). */
  search_ttl_s?: number;
  richads_pub_id?: string;
  richads_app_id?: string;
}

export interface Profile {
  nickname: string;
  gender: Gender;
  age: number;
  /** Names from GET /api/config's `interests`. PUT without it keeps them, [] clears them. */
  interests?: string[];
}

/** A profile may name at most this many interests. */
export const MAX_INTERESTS = 5;

export type RestrictionCode = 'suspended' | 'banned';

/** A moderation restriction: no searching until `until` (Unix ms); no `until` means a permanent ban. */
export interface Restriction {
  code: RestrictionCode;
  until?: number;
}

/** GET /api/me. `teen_mode`: the user is under 18, so minors mode's rules apply to them. */
export type Me = ({ onboarded: true; restriction?: Restriction; teen_mode?: boolean } & Profile) | { onboarded: false };

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
  /** The interests both members named (shown to both); absent when none. */
  shared_interests?: string[];
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

/** Whether each side agreed to exchange contacts, and whether it is done (the bot then sent each the other's link). */
export interface RevealStatus {
  me: boolean;
  partner: boolean;
  done: boolean;
  /** The user agreed but their init data has no username now: the exchange waits until they set one. */
  need_username?: boolean;
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
  /** Absent from servers older than the contact exchange. */
  reveal?: RevealStatus;
  /** Minors mode applies: no links, photos, voice, contact exchange or meeting again; a lower message rate. */
  minors?: boolean;
  /** Messages each side still has to send before links, photos and voice are allowed (both 0: allowed). */
  unlock?: LinkRemaining;
}

/** One of GET /api/rooms/recent: a chat that ended lately, which either side may wish to have again. */
export interface RecentRoom {
  id: string;
  partner: Partner;
  /** Unix ms. */
  closed_at: number;
  /** The conversation's last message (text at most 200 characters; '' for a photo or voice message without a caption). */
  last: { text: string; from: 'me' | 'partner'; media?: MediaKind } | null;
  /** Only ever the user's own wish: the partner's is nobody's business until the new room exists. */
  again: { me: boolean };
}

export interface RecentRooms {
  rooms: RecentRoom[];
}

/** The private answer to "How was it?". */
export type Rating = 'up' | 'down';

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

/** A wider filter more people searching now would fit (GET /api/queue?…&suggest=1). */
export interface WiderFilter extends SearchFilters {
  searching_fit: RoundedCount;
}

/** GET /api/queue: who is around for a search with these filters. */
export interface QueueStatus {
  online: RoundedCount;
  searching_fit: RoundedCount;
  /** The typical wait of people with similar filters; null without enough of them. */
  expected_wait_s: number | null;
  /** With suggest: the smallest widening worth trying; absent when none helps. */
  wider?: WiderFilter;
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
  | 'media_not_allowed_yet'
  | 'username_required'
  | 'not_allowed'
  | 'already_revealed'
  | 'room_active'
  | 'method_not_allowed'
  | 'body_incomplete'
  | 'body_timeout';

/** Which rule of minors mode refused a call (403 minors_not_allowed). */
export type MinorsRule = 'links' | 'media' | 'reveal' | 'again';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string; until?: number; remaining?: LinkRemaining; rule?: MinorsRule };
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
  | { type: 'read'; from: string; up_to: string }
  /** `from` offered to exchange contacts, took it back, or completed the exchange (never carries a username). */
  | { type: 'reveal'; from: string; state: RevealState };

export type RevealState = 'offered' | 'withdrawn' | 'done';
