import type { Gender, PersonalEvent, Room, RoomEvent } from '../api/types';

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
      if (!isStr(data.id) || typeof data.text !== 'string' || typeof data.ts !== 'number') return null;
      const m: Extract<RoomEvent, { type: 'message' }> = { type: 'message', id: data.id, from: data.from, text: data.text, ts: data.ts };
      if (isStr(data.client_msg_id)) m.client_msg_id = data.client_msg_id;
      if (isStr(data.reply_to)) m.reply_to = data.reply_to;
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
