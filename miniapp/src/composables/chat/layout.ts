import type { LinkRemaining } from '../../api/types';
import type { PluralKey, Translate } from '../../i18n';
import type { ChatItem, ChatMessage, SystemLine } from './conversation';

/** Messages of one sender closer than this in time form one group (one tail, tight gaps). */
export const GROUP_GAP_MS = 5 * 60_000;

export type Row =
  | { kind: 'date'; key: string; day: number }
  | { kind: 'system'; key: string; line: SystemLine }
  | { kind: 'message'; key: string; message: ChatMessage; first: boolean; last: boolean };

/** startOfDay is local midnight of a moment (Unix ms). */
export function startOfDay(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/**
 * layoutRows turns the conversation into what the list draws, like
 * Telegram: a date separator before the first message of each day, and
 * messages grouped by sender (a group ends at another sender, a system
 * line, a new day or a pause of GROUP_GAP_MS) so only the last bubble of a
 * group has a tail.
 */
export function layoutRows(items: readonly ChatItem[]): Row[] {
  const rows: Row[] = [];
  let day: number | null = null;
  let prev: Extract<Row, { kind: 'message' }> | null = null;
  for (const item of items) {
    if (item.kind === 'system') {
      if (prev) prev.last = true;
      prev = null;
      rows.push({ kind: 'system', key: item.key, line: item });
      continue;
    }
    const d = startOfDay(item.ts);
    if (d !== day) {
      if (prev) prev.last = true;
      prev = null;
      day = d;
      rows.push({ kind: 'date', key: `d${d}`, day: d });
    }
    const continues = prev !== null && prev.message.mine === item.mine && item.ts - prev.message.ts < GROUP_GAP_MS;
    if (prev && !continues) prev.last = true;
    const row: Extract<Row, { kind: 'message' }> = { kind: 'message', key: item.key, message: item, first: !continues, last: true };
    if (prev && continues) prev.last = false;
    rows.push(row);
    prev = row;
  }
  return rows;
}

/** formatTime is a message time in the user's locale, hours without a leading zero ("3:13 PM", "15:13"). */
export function formatTime(ms: number, locale: string): string {
  return new Date(ms).toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit' });
}

/** formatDay is a date separator: "Today", "Yesterday", or the date (with the year when not this year). */
export function formatDay(day: number, locale: string, now: number, words: { today: string; yesterday: string }): string {
  const today = startOfDay(now);
  if (day === today) return words.today;
  if (day === startOfDay(today - 12 * 3600_000)) return words.yesterday;
  const sameYear = new Date(day).getFullYear() === new Date(now).getFullYear();
  return new Date(day).toLocaleDateString(locale, sameYear ? { day: 'numeric', month: 'long' } : { day: 'numeric', month: 'long', year: 'numeric' });
}

const emojiOnly = /^(?:\p{Extended_Pictographic}(?:\u{FE0F}|\u{200D}\p{Extended_Pictographic}|\p{Emoji_Modifier})*|\p{Regional_Indicator}{2}|\s)+$/u;
const oneEmoji = /\p{Extended_Pictographic}(?:\u{FE0F}|\u{200D}\p{Extended_Pictographic}|\p{Emoji_Modifier})*|\p{Regional_Indicator}{2}/gu;

/** bigEmoji says whether a message is one to three emoji and nothing else (shown large, without a bubble). */
export function bigEmoji(text: string): boolean {
  const t = text.trim();
  if (t === '' || !emojiOnly.test(t)) return false;
  const n = t.match(oneEmoji)?.length ?? 0;
  return n >= 1 && n <= 3;
}

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const urlPattern = /\bhttps?:\/\/[^\s<>"']+|\bwww\.[^\s<>"']+/gi;
const trailingPunctuation = /[.,!?;:)\]}'"»]+$/;

/**
 * linkParts splits a message into text and http(s) links (the server only
 * stores links once the room allows them). The text is never parsed as HTML.
 */
export function linkParts(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of text.matchAll(urlPattern)) {
    let url = m[0];
    const trail = url.match(trailingPunctuation)?.[0] ?? '';
    if (trail) url = url.slice(0, -trail.length);
    const at = m.index ?? 0;
    if (at > last) parts.push({ kind: 'text', text: text.slice(last, at) });
    const href = /^https?:\/\//i.test(url) ? url : `https://${url}`;
    let ok = true;
    try {
      const u = new URL(href);
      ok = u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      ok = false;
    }
    parts.push(ok ? { kind: 'link', text: url, href } : { kind: 'text', text: url });
    last = at + url.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts.length > 0 ? parts : [{ kind: 'text', text }];
}

/** firstLine is what a reply quote shows of the quoted message. */
export function firstLine(text: string, max = 80): string {
  const line = text.split('\n', 1)[0]!.trim();
  return [...line].length > max ? `${[...line].slice(0, max - 1).join('')}…` : line;
}

/** The largest a photo is drawn in a bubble (CSS px); the smallest side it keeps, so a thin one is still a tap target. */
export const PHOTO_BUBBLE_MAX_WIDTH = 260;
export const PHOTO_BUBBLE_MAX_HEIGHT = 320;
export const PHOTO_BUBBLE_MIN_SIDE = 100;

/**
 * photoBox is the size a photo takes in its bubble, from the width and
 * height the message carries, before the picture has loaded (so nothing
 * jumps when it does). An unknown size (a photo still being prepared) is a
 * square.
 */
export function photoBox(width: number, height: number): { width: number; height: number } {
  if (width <= 0 || height <= 0) return { width: 200, height: 200 };
  const scale = Math.min(PHOTO_BUBBLE_MAX_WIDTH / width, PHOTO_BUBBLE_MAX_HEIGHT / height);
  return {
    width: Math.max(PHOTO_BUBBLE_MIN_SIDE, Math.round(width * scale)),
    height: Math.max(PHOTO_BUBBLE_MIN_SIDE, Math.round(height * scale)),
  };
}

/**
 * unlockHint says when links or media unlock, from the `remaining` of the
 * server's refusal: how many more messages each side still has to send.
 */
export function unlockHint(kind: 'link' | 'media', rem: LinkRemaining | undefined, t: Translate, tn: (key: PluralKey, n: number) => string): string {
  const k = kind === 'link'
    ? { none: 'linkNotAllowed', each: 'linkUnlockEach', split: 'linkUnlockSplit', partner: 'linkUnlockPartner', you: 'linkUnlockYou' } as const
    : { none: 'mediaNotAllowed', each: 'mediaUnlockEach', split: 'mediaUnlockSplit', partner: 'mediaUnlockPartner', you: 'mediaUnlockYou' } as const;
  if (!rem) return t(k.none);
  if (rem.me > 0 && rem.me === rem.partner) return t(k.each, { n: tn('moreMessages', rem.me) });
  if (rem.me > 0 && rem.partner > 0) return t(k.split, { me: tn('moreMessages', rem.me), partner: tn('moreMessages', rem.partner) });
  if (rem.partner > 0) return t(k.partner, { n: tn('moreMessages', rem.partner) });
  if (rem.me > 0) return t(k.you, { n: tn('moreMessages', rem.me) });
  return t(k.none);
}

/** summary is a message in one line, for a reply quote or a screen reader: its text, or what its media is. */
export function summary(m: Pick<ChatMessage, 'text' | 'media'>, t: Translate): string {
  if (m.text.trim() !== '') return m.text;
  if (m.media) return t(m.media.kind === 'photo' ? 'photo' : 'voiceMessage');
  return m.text;
}
