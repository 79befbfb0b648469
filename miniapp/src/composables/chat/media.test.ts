// The small media parts: spoilers, the voice player, the composer's attachment, photo sizes.
import { describe, expect, it, vi } from 'vitest';
import type { ChatMedia } from './conversation';
import { useAttachment } from './attachment';
import { photoBox, PHOTO_BUBBLE_MAX_HEIGHT, PHOTO_BUBBLE_MAX_WIDTH } from './layout';
import { fitWithin, PHOTO_MAX_SIDE } from './photo';
import { useSpoilers } from './spoilers';
import { createPlayback, formatDuration, useVoicePlayer, type AudioLike } from './voicePlayer';

const photo = (spoiler: boolean): ChatMedia => ({ kind: 'photo', id: 'md1', local: null, width: 800, height: 600, durationMs: 0, spoiler });

describe('spoilers', () => {
  it('hide a partner’s spoiler photo until tapped; never the sender’s own, never a plain photo or a voice message', () => {
    const s = useSpoilers();
    const theirs = { mine: false, id: '0000000000000001', media: photo(true) };
    expect(s.hidden(theirs)).toBe(true);
    expect(s.hidden({ ...theirs, mine: true })).toBe(false);
    expect(s.hidden({ ...theirs, media: photo(false) })).toBe(false);
    expect(s.hidden({ ...theirs, media: { ...photo(true), kind: 'voice' } })).toBe(false);
    expect(s.hidden({ ...theirs, media: null })).toBe(false);
    s.reveal('0000000000000001');
    expect(s.hidden(theirs)).toBe(false);
    expect(s.hidden({ ...theirs, id: '0000000000000002' })).toBe(true);
  });
});

class FakeAudio implements AudioLike {
  currentTime = 0;
  duration = Infinity; // Chrome's recordings have no duration in their header
  paused = true;
  constructor(private readonly events: { onPlay(): void; onPause(): void }) {}
  async play() {
    this.paused = false;
    this.events.onPlay();
  }
  pause() {
    if (this.paused) return;
    this.paused = true;
    this.events.onPause();
  }
}

describe('voice player', () => {
  it.each([
    [0, '0:00'],
    [400, '0:00'],
    [1600, '0:02'],
    [59_500, '1:00'],
    [61_000, '1:01'],
  ])('formatDuration(%i) = %s', (ms, want) => expect(formatDuration(ms)).toBe(want));

  it('plays and pauses; progress and time follow the element; the end resets it', async () => {
    const p = useVoicePlayer(() => 4000);
    const el = new FakeAudio(p);
    p.attach(el);
    expect(p.shown.value).toBe('0:04');
    await p.toggle();
    expect(p.playing.value).toBe(true);
    el.currentTime = 1;
    p.onTime();
    expect(p.progress.value).toBeCloseTo(0.25);
    expect(p.shown.value).toBe('0:01');
    await p.toggle();
    expect(p.playing.value).toBe(false);
    expect(p.progress.value).toBeCloseTo(0.25); // paused midway keeps its place
    p.onEnded();
    expect([p.playing.value, p.progress.value, p.shown.value, el.currentTime]).toEqual([false, 0, '0:04', 0]);
  });

  it('uses the element’s duration when the message has none', () => {
    const p = useVoicePlayer(() => 0);
    const el = new FakeAudio(p);
    el.duration = 10;
    p.attach(el);
    el.currentTime = 5;
    p.onTime();
    expect(p.progress.value).toBeCloseTo(0.5);
  });

  it('one voice message plays at a time', async () => {
    const playback = createPlayback();
    const a = useVoicePlayer(() => 3000, playback);
    const b = useVoicePlayer(() => 3000, playback);
    const ea = new FakeAudio(a);
    const eb = new FakeAudio(b);
    a.attach(ea);
    b.attach(eb);
    await a.toggle();
    await b.toggle();
    expect([ea.paused, eb.paused]).toEqual([true, false]);
    expect([a.playing.value, b.playing.value]).toEqual([false, true]);
  });

  it('a refused play (no user gesture) leaves the button on play', async () => {
    const p = useVoicePlayer(() => 3000);
    p.attach({ currentTime: 0, duration: 3, paused: true, play: () => Promise.reject(new DOMException('no', 'NotAllowedError')), pause: () => {} });
    await p.toggle();
    expect(p.playing.value).toBe(false);
  });
});

describe('attachment', () => {
  it('goes as a spoiler unless unticked; a new pick or taking it revokes the thumbnail URL', () => {
    const revoke = vi.fn();
    let n = 0;
    const a = useAttachment({ createUrl: () => `blob:${++n}`, revokeUrl: revoke });
    const f1 = new Blob(['1']);
    a.pick(f1);
    expect(a.current.value).toEqual({ file: f1, url: 'blob:1', spoiler: true });
    a.setSpoiler(false);
    expect(a.current.value!.spoiler).toBe(false);
    a.pick(new Blob(['2']));
    expect(revoke).toHaveBeenCalledWith('blob:1');
    expect(a.current.value!.spoiler).toBe(true);
    const taken = a.take();
    expect(taken!.url).toBe('blob:2');
    expect(revoke).toHaveBeenCalledWith('blob:2');
    expect(a.current.value).toBeNull();
    a.setSpoiler(true); // nothing attached: nothing happens
    expect(a.current.value).toBeNull();
  });
});

describe('photo sizes', () => {
  it.each([
    [4000, 3000, 1600, 1200],
    [3000, 4000, 1200, 1600],
    [1200, 2400, 800, 1600],
    [1600, 1600, 1600, 1600],
    [800, 600, 800, 600], // never scaled up
    [10_000, 10, 1600, 2],
    [0, 100, 0, 0],
  ])('fitWithin(%i×%i) = %i×%i', (w, h, ww, wh) => {
    expect(fitWithin(w, h, PHOTO_MAX_SIDE)).toEqual({ width: ww, height: wh });
  });

  it('a bubble keeps the photo’s aspect ratio within its box; an unknown size is a square', () => {
    const tall = photoBox(800, 1600);
    expect(tall.width / tall.height).toBeCloseTo(0.5);
    expect(tall.height).toBe(PHOTO_BUBBLE_MAX_HEIGHT);
    const wide = photoBox(1600, 900);
    expect(wide.width).toBe(PHOTO_BUBBLE_MAX_WIDTH);
    expect(wide.width / wide.height).toBeCloseTo(16 / 9, 1);
    expect(photoBox(0, 0)).toEqual({ width: 200, height: 200 });
    expect(photoBox(5000, 50).height).toBeGreaterThanOrEqual(100); // a sliver is still a tap target
  });
});
