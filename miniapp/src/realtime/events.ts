import type { Gender, MessageMedia, PersonalEvent, Room, RoomEvent } from '../api/types';

// Publication data arrives untyped from the socket; these guards are the only
// place it becomes a contract type. Anything that does not fit is dropped.

type Rec = Record<string, unknown>;

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isGender = (v: unknown): v is Gender => v === 'male' || v === 'female';

export function parseRoom(v: unknown): Room | null {
  if (!isRec(v) || !isStr(v.id) || !isStr(v.channel) || !isStr(v.me) || !isRec(v.partner)) return null;
  const p = v.partner;
  if (typeof p.nickname !== 'string' || !isGender(p.gender) || typeof p.age !== 'number') return null;
  return { id: v.id, channel: v.channel, me: v.me, partner: { nickname: p.nickname, gender: p.gender, age: p.age } };
}

const isSize = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** parseMedia reads a message's `media`; one that does not fit the contract is dropped (the message stays). */
export function parseMedia(v: unknown): MessageMedia | null {
  if (!isRec(v) || !isStr(v.id) || (v.kind !== 'photo' && v.kind !== 'voice')) return null;
  const m: MessageMedia = { id: v.id, kind: v.kind, spoiler: v.spoiler === true };
  if (isSize(v.width) && isSize(v.height)) {
    m.width = v.width;
    m.height = v.height;
  }
  if (isSize(v.duration_ms)) m.duration_ms = v.duration_ms;
  return m;
}

export function parsePersonalEvent(data: unknown): PersonalEvent | null {
  if (!isRec(data)) return null;
  if (data.type === 'matched') {
    const room = parseRoom(data.room);
    return room ? { type: 'matched', room } : null;
  }
  if (data.type === 'search_expired') return { type: 'search_expired' };
  if (data.type === 'restricted' && (data.code === 'suspended' || data.code === 'banned')) {
    if (typeof data.until === 'number' && Number.isFinite(data.until)) {
      return { type: 'restricted', code: data.code, until: data.until };
    }
    return { type: 'restricted', code: data.code };
  }
  return null;
}

export function parseRoomEvent(data: unknown): RoomEvent | null {
  if (!isRec(data) || !isStr(data.from)) return null;
  switch (data.type) {
    case 'message': {
      const media = parseMedia(data.media);
      // A photo or voice message without a caption comes without `text` (the server omits an empty one).
      const text = typeof data.text === 'string' ? data.text : data.text === undefined && media ? '' : null;
      if (!isStr(data.id) || text === null || typeof data.ts !== 'number') return null;
      const m: Extract<RoomEvent, { type: 'message' }> = { type: 'message', id: data.id, from: data.from, text, ts: data.ts };
      if (isStr(data.client_msg_id)) m.client_msg_id = data.client_msg_id;
      if (isStr(data.reply_to)) m.reply_to = data.reply_to;
      if (media) m.media = media;
      return m;
    }
    case 'read':
      return isStr(data.up_to) ? { type: 'read', from: data.from, up_to: data.up_to } : null;
    case 'typing':
      return { type: 'typing', from: data.from };
    case 'left':
      return { type: 'left', from: data.from };
    default:
      return null;
  }
}

/** memberOf reads the member id Centrifugo puts into a join/leave frame's chan_info. */
export function memberOf(chanInfo: unknown): string | null {
  return isRec(chanInfo) && isStr(chanInfo.member) ? chanInfo.member : null;
}
