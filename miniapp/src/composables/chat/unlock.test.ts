import { describe, expect, it } from 'vitest';
import type { ChatItem } from './conversation';
import { sentCounts, stillLocked } from './unlock';

const msg = (id: string | null, mine: boolean): ChatItem => ({
  kind: 'message',
  key: `k${id}`,
  id,
  clientMsgId: null,
  mine,
  text: 'x',
  ts: 1,
  status: id === null ? 'pending' : 'sent',
  failure: null,
  replyTo: null,
  media: null,
  upload: null,
});

describe('unlock', () => {
  it('counts stored messages per side (not pending ones, not system lines)', () => {
    const items: ChatItem[] = [msg('1', true), msg('2', false), msg(null, true), { kind: 'system', key: 's', text: 'partnerJoined' }, msg('3', true)];
    expect(sentCounts(items)).toEqual({ mine: 2, theirs: 1 });
  });

  it.each([
    [{ me: 3, partner: 3 }, { mine: 0, theirs: 0 }, { mine: 0, theirs: 0 }, { me: 3, partner: 3 }],
    [{ me: 3, partner: 3 }, { mine: 0, theirs: 0 }, { mine: 2, theirs: 1 }, { me: 1, partner: 2 }],
    [{ me: 1, partner: 0 }, { mine: 4, theirs: 5 }, { mine: 5, theirs: 5 }, null],
    [{ me: 0, partner: 0 }, { mine: 0, theirs: 0 }, { mine: 0, theirs: 0 }, null],
    // A reload that shows fewer messages than before never locks more than the status said.
    [{ me: 2, partner: 2 }, { mine: 3, theirs: 3 }, { mine: 1, theirs: 1 }, { me: 2, partner: 2 }],
  ])('status %j read at %j, now %j: %j', (remaining, at, now, want) => {
    expect(stillLocked({ remaining, at }, now)).toEqual(want);
  });

  it('not known: not locked (the server decides)', () => {
    expect(stillLocked(null, { mine: 0, theirs: 0 })).toBeNull();
  });
});
