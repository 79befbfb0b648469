import { describe, expect, it } from 'vitest';
import type { ChatItem, ChatMessage } from './conversation';
import { createI18n } from '../../i18n';
import { bigEmoji, firstLine, formatDay, formatTime, layoutRows, linkParts, startOfDay, summary, unlockHint } from './layout';

const at = (d: number, h: number, m = 0) => new Date(2030, 0, d, h, m).getTime();
let n = 0;
const m = (mine: boolean, ts: number): ChatMessage => ({
  kind: 'message',
  key: `k${++n}`,
  id: String(n),
  clientMsgId: null,
  mine,
  text: 'x',
  ts,
  status: 'sent',
  failure: null,
  replyTo: null,
  media: null,
  upload: null,
});

describe('layoutRows', () => {
  it('puts a date before each day and groups by sender, pause and system line', () => {
    const items: ChatItem[] = [
      m(false, at(1, 10)),
      m(false, at(1, 10, 1)),
      m(true, at(1, 10, 2)),
      m(true, at(1, 10, 30)), // a pause: a new group
      { kind: 'system', key: 's', text: 'partnerOffline' },
      m(true, at(1, 10, 31)),
      m(true, at(2, 9)), // a new day
    ];
    const rows = layoutRows(items).map((r) => (r.kind === 'message' ? `${r.message.mine ? 'me' : 'p'}${r.first ? '<' : ''}${r.last ? '>' : ''}` : r.kind));
    expect(rows).toEqual(['date', 'p<', 'p>', 'me<>', 'me<>', 'system', 'me<>', 'date', 'me<>']);
  });
});

describe('formatting', () => {
  it('times in the locale without a leading zero', () => {
    expect(formatTime(at(1, 15, 13), 'en')).toBe('3:13 PM');
    expect(formatTime(at(1, 3, 5), 'en')).toBe('3:05 AM');
    expect(formatTime(at(1, 9, 5), 'ru')).toBe('9:05');
  });

  it('days as Today, Yesterday or a date', () => {
    const now = at(10, 12);
    const words = { today: 'Today', yesterday: 'Yesterday' };
    expect(formatDay(startOfDay(now), 'en', now, words)).toBe('Today');
    expect(formatDay(startOfDay(at(9, 1)), 'en', now, words)).toBe('Yesterday');
    expect(formatDay(startOfDay(at(3, 1)), 'en', now, words)).toBe('January 3');
    expect(formatDay(startOfDay(at(3, 1)), 'ru', now, words)).toBe('3 января');
    expect(formatDay(startOfDay(new Date(2029, 11, 31).getTime()), 'en', now, words)).toBe('December 31, 2029');
  });

  it.each([
    ['👍', true],
    ['😂😂😂', true],
    ['👍🏽', true],
    ['👨‍👩‍👧', true],
    ['🇷🇺', true],
    ['😂😂😂😂', false],
    ['ok 👍', false],
    ['1', false],
    ['', false],
  ])('bigEmoji(%j) = %s', (text, want) => {
    expect(bigEmoji(text)).toBe(want);
  });

  it('splits links out of text, leaving punctuation after them', () => {
    expect(linkParts('see https://example.com/a?b=1, and www.x.org.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: ', and ' },
      { kind: 'link', text: 'www.x.org', href: 'https://www.x.org' },
      { kind: 'text', text: '.' },
    ]);
    expect(linkParts('javascript:alert(1) <b>')).toEqual([{ kind: 'text', text: 'javascript:alert(1) <b>' }]);
  });

  it('quotes the first line', () => {
    expect(firstLine('one\ntwo')).toBe('one');
    expect(firstLine('x'.repeat(100), 10)).toBe('xxxxxxxxx…');
  });
});

describe('media lines', () => {
  const en = createI18n('en');
  const ru = createI18n('ru');
  it.each([
    ['link', { me: 2, partner: 2 }, 'Links unlock after 2 more messages from each of you.'],
    ['media', { me: 2, partner: 2 }, 'Photos and voice messages unlock after 2 more messages from each of you.'],
    ['media', { me: 1, partner: 3 }, 'Photos and voice messages unlock after 1 more message from you and 3 more messages from your partner.'],
    ['media', { me: 0, partner: 1 }, 'Photos and voice messages unlock after 1 more message from your partner.'],
    ['media', { me: 1, partner: 0 }, 'Photos and voice messages unlock after 1 more message from you.'],
    ['media', undefined, 'Photos and voice messages are allowed after you’ve both exchanged a few messages'],
  ] as const)('unlockHint(%s, %j)', (kind, rem, want) => {
    expect(unlockHint(kind, rem, en.t, en.tn)).toBe(want);
  });

  it('says when media unlocks in Russian', () => {
    expect(unlockHint('media', { me: 5, partner: 5 }, ru.t, ru.tn)).toBe('Фото и голосовые откроются, когда каждый из вас отправит ещё 5 сообщений.');
  });

  it('sums a message up in one line: its text, or what its media is', () => {
    const media = { kind: 'photo', id: 'x', local: null, width: 1, height: 1, durationMs: 0, spoiler: false } as const;
    expect(summary({ text: 'caption', media }, en.t)).toBe('caption');
    expect(summary({ text: '', media }, en.t)).toBe('Photo');
    expect(summary({ text: '', media: { ...media, kind: 'voice' } }, ru.t)).toBe('Голосовое сообщение');
    expect(summary({ text: 'hi', media: null }, en.t)).toBe('hi');
  });
});
