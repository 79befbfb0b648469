// Types of the HTTP and real-time contract described in the repository README.
// They mirror the JSON on the wire, so field names stay snake_case.

export type Gender = 'male' | 'female';
export type GenderFilter = 'any' | Gender;

export interface AppConfig {
  centrifugo_ws_url: string;
  richads_pub_id?: string;
  richads_app_id?: string;
}

export interface Profile {
  nickname: string;
  gender: Gender;
  age: number;
}

export type Me = ({ onboarded: true } & Profile) | { onboarded: false };

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

export interface Token {
  token: string;
  /** Unix seconds. */
  expires_at: number;
}

export interface SendMessageRequest {
  text: string;
  client_msg_id: string;
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
  | 'unavailable';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}

/** Publications on the personal channel. */
export type PersonalEvent =
  | { type: 'matched'; room: Room }
  | { type: 'search_expired' };

/** Publications on a room channel. `from` is a member id. */
export type RoomEvent =
  | { type: 'message'; id: string; from: string; text: string; ts: number }
  | { type: 'typing'; from: string }
  | { type: 'left'; from: string };
