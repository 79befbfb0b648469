import { describe, expect, it } from 'vitest';
import { testRoom } from '../testing/fakes';
import { memberOf, parsePersonalEvent, parseRoomEvent } from './events';
import { resolveWsUrl } from './url';

describe('publication parsing', () => {
  it.each([
    [{ type: 'matched', room: testRoom }, { type: 'matched', room: testRoom }],
    [{ type: 'search_expired' }, { type: 'search_expired' }],
    [{ type: 'restricted', code: 'suspended', until: 5 }, { type: 'restricted', code: 'suspended', until: 5 }],
    [{ type: 'restricted', code: 'banned' }, { type: 'restricted', code: 'banned' }],
    [{ type: 'restricted', code: 'banned', until: 'soon' }, { type: 'restricted', code: 'banned' }],
    [{ type: 'restricted', code: 'muted' }, null],
    [{ type: 'matched', room: { ...testRoom, me: 5 } }, null],
    [{ type: 'matched' }, null],
    [{ type: 'other' }, null],
    ['matched', null],
    [null, null],
  ])('personal %j', (data, want) => {
    expect(parsePersonalEvent(data)).toEqual(want);
  });

  it.each([
    [
      { type: 'message', id: '1', from: 'm', text: '<b>x</b>', ts: 5, extra: true },
      { type: 'message', id: '1', from: 'm', text: '<b>x</b>', ts: 5 },
    ],
    [
      { type: 'message', id: '2', from: 'm', text: 'x', ts: 5, client_msg_id: 'c', reply_to: '1' },
      { type: 'message', id: '2', from: 'm', text: 'x', ts: 5, client_msg_id: 'c', reply_to: '1' },
    ],
    [
      { type: 'message', id: '2', from: 'm', text: 'x', ts: 5, client_msg_id: 3, reply_to: '' },
      { type: 'message', id: '2', from: 'm', text: 'x', ts: 5 },
    ],
    [{ type: 'read', from: 'm', up_to: '9' }, { type: 'read', from: 'm', up_to: '9' }],
    [{ type: 'read', from: 'm' }, null],
    [{ type: 'typing', from: 'm' }, { type: 'typing', from: 'm' }],
    [{ type: 'left', from: 'm' }, { type: 'left', from: 'm' }],
    [{ type: 'message', id: 1, from: 'm', text: 'x', ts: 5 }, null],
    [
      // A photo without a caption: the server omits the empty text.
      { type: 'message', id: '3', from: 'm', ts: 5, media: { id: 'md1', kind: 'photo', width: 800, height: 1600, spoiler: true } },
      { type: 'message', id: '3', from: 'm', text: '', ts: 5, media: { id: 'md1', kind: 'photo', width: 800, height: 1600, spoiler: true } },
    ],
    [
      { type: 'message', id: '4', from: 'm', text: 'hey', ts: 5, media: { id: 'md2', kind: 'voice', duration_ms: 2100 } },
      { type: 'message', id: '4', from: 'm', text: 'hey', ts: 5, media: { id: 'md2', kind: 'voice', duration_ms: 2100, spoiler: false } },
    ],
    [
      // Media that does not fit the contract is dropped; a sizeless photo keeps no size.
      { type: 'message', id: '5', from: 'm', text: 'x', ts: 5, media: { id: 'md3', kind: 'video' } },
      { type: 'message', id: '5', from: 'm', text: 'x', ts: 5 },
    ],
    [
      { type: 'message', id: '6', from: 'm', text: 'x', ts: 5, media: { id: 'md4', kind: 'photo', width: -1, height: 2, spoiler: 'yes' } },
      { type: 'message', id: '6', from: 'm', text: 'x', ts: 5, media: { id: 'md4', kind: 'photo', spoiler: false } },
    ],
    [{ type: 'message', id: '7', from: 'm', ts: 5 }, null], // no text and no media
    [{ type: 'typing' }, null],
    [[], null],
  ])('room %j', (data, want) => {
    expect(parseRoomEvent(data)).toEqual(want);
  });

  it('reads the member id from chan_info', () => {
    expect(memberOf({ member: 'abc' })).toBe('abc');
    expect(memberOf(undefined)).toBeNull();
    expect(memberOf({ member: 7 })).toBeNull();
  });
});

describe('resolveWsUrl', () => {
  it.each([
    ['/connection/websocket', 'https:', 'app.example', 'wss://app.example/connection/websocket'],
    ['/connection/websocket', 'http:', '127.0.0.1:8080', 'ws://127.0.0.1:8080/connection/websocket'],
    ['wss://rt.example/connection/websocket', 'http:', 'x', 'wss://rt.example/connection/websocket'],
  ])('%s on %s//%s', (configured, protocol, host, want) => {
    expect(resolveWsUrl(configured, { protocol, host })).toBe(want);
  });
});
