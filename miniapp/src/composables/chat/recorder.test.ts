import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deferred } from '../../testing/fakes';

/** flush lets settled promises run (the clock is fake here). */
const flush = () => vi.advanceTimersByTimeAsync(0);
import { canRecord, pickMimeType, useRecorder, VOICE_MAX_MS, VOICE_MIN_MS, type Recorder, type RecorderEnv, type Recording } from './recorder';

class FakeRecorder implements Recorder {
  ondataavailable: ((e: { data: Blob }) => void) | null = null;
  onstop: (() => void) | null = null;
  started = false;
  stopped = false;
  constructor(readonly mimeType: string) {}
  start() {
    this.started = true;
  }
  stop() {
    this.stopped = true;
    // As MediaRecorder: the last data, then stop, a moment later.
    queueMicrotask(() => {
      this.ondataavailable?.({ data: new Blob([new Uint8Array(100)], { type: this.mimeType }) });
      this.onstop?.();
    });
  }
}

function platform(opts: { supported?: string[]; refuse?: string } = {}) {
  const tracks = [{ stop: vi.fn() }];
  const recorders: FakeRecorder[] = [];
  const mic = deferred<{ getTracks: () => { stop: () => void }[] }>();
  const getUserMedia = vi.fn(() => {
    if (opts.refuse) return Promise.reject(new DOMException('no', opts.refuse));
    return mic.promise;
  });
  const supported = opts.supported ?? ['audio/webm;codecs=opus', 'audio/mp4'];
  const env: RecorderEnv = {
    getUserMedia: getUserMedia as unknown as RecorderEnv['getUserMedia'],
    createRecorder: (_s, mimeType) => {
      const r = new FakeRecorder(mimeType ?? '');
      recorders.push(r);
      return r;
    },
    isTypeSupported: (t) => supported.includes(t),
  };
  const grant = async () => {
    mic.resolve({ getTracks: () => tracks as unknown as { stop: () => void }[] });
    await flush();
  };
  return { env, getUserMedia, recorders, tracks, grant };
}

describe('voice recording', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it.each([
    [['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4'], 'audio/webm;codecs=opus'],
    [['audio/ogg;codecs=opus', 'audio/mp4'], 'audio/ogg;codecs=opus'],
    [['audio/mp4'], 'audio/mp4'], // Safari
    [['audio/wav'], null],
  ])('picks a container the server takes: %j → %s', (supported, want) => {
    expect(pickMimeType((t) => supported.includes(t))).toBe(want);
  });

  it('can record only with a microphone, MediaRecorder and a container the server takes', () => {
    expect(canRecord(platform().env)).toBe(true);
    expect(canRecord({})).toBe(false);
    expect(canRecord({ ...platform().env, getUserMedia: undefined })).toBe(false);
    expect(canRecord(platform({ supported: ['audio/wav'] }).env)).toBe(false);
  });

  it('asks for the microphone only on press, shows the time, sends on release and lets the microphone go', async () => {
    const p = platform();
    const got: Recording[] = [];
    const r = useRecorder(p.env, { onRecorded: (x) => got.push(x) });
    expect(p.getUserMedia).not.toHaveBeenCalled();
    void r.start();
    expect(p.getUserMedia).toHaveBeenCalledWith({ audio: true });
    expect(r.state.value).toBe('requesting');
    await p.grant();
    expect(r.state.value).toBe('recording');
    expect(p.recorders[0]!.mimeType).toBe('audio/webm;codecs=opus');
    await vi.advanceTimersByTimeAsync(2300);
    expect(r.elapsedMs.value).toBeGreaterThanOrEqual(2200);
    r.stop();
    await flush();
    expect(got).toHaveLength(1);
    expect(got[0]!.durationMs).toBe(2300);
    expect(got[0]!.mimeType).toBe('audio/webm;codecs=opus');
    expect(got[0]!.blob.type).toBe('audio/webm;codecs=opus');
    expect(p.tracks[0]!.stop).toHaveBeenCalled();
    expect(r.state.value).toBe('idle');
    expect(r.elapsedMs.value).toBe(0);
  });

  it('stops by itself at 59.5 s and sends (the server refuses over 60 s)', async () => {
    const p = platform();
    const got: Recording[] = [];
    const r = useRecorder(p.env, { onRecorded: (x) => got.push(x) });
    void r.start();
    await p.grant();
    await vi.advanceTimersByTimeAsync(VOICE_MAX_MS - 1);
    expect(p.recorders[0]!.stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(p.recorders[0]!.stopped).toBe(true);
    await flush();
    expect(got.map((g) => g.durationMs)).toEqual([59_500]);
    expect(VOICE_MAX_MS).toBe(59_500);
    r.stop(); // the user lets go afterwards: nothing more
    await flush();
    expect(got).toHaveLength(1);
  });

  it('a cancel (slide away) drops the recording', async () => {
    const p = platform();
    const got: Recording[] = [];
    const r = useRecorder(p.env, { onRecorded: (x) => got.push(x) });
    void r.start();
    await p.grant();
    await vi.advanceTimersByTimeAsync(3000);
    r.cancel();
    await flush();
    expect(got).toEqual([]);
    expect(r.notice.value).toBeNull();
    expect(p.tracks[0]!.stop).toHaveBeenCalled();
  });

  it('a tap (shorter than the minimum) says to hold instead of sending', async () => {
    const p = platform();
    const got: Recording[] = [];
    const r = useRecorder(p.env, { onRecorded: (x) => got.push(x) });
    void r.start();
    await p.grant();
    await vi.advanceTimersByTimeAsync(VOICE_MIN_MS - 100);
    r.stop();
    await flush();
    expect(got).toEqual([]);
    expect(r.notice.value).toBe('hold');
  });

  it('released while the permission prompt was up: nothing is recorded and the microphone is let go', async () => {
    const p = platform();
    const got: Recording[] = [];
    const r = useRecorder(p.env, { onRecorded: (x) => got.push(x) });
    void r.start();
    r.stop();
    await p.grant();
    expect(p.recorders).toHaveLength(0);
    expect(p.tracks[0]!.stop).toHaveBeenCalled();
    expect(r.state.value).toBe('idle');
    expect(r.notice.value).toBe('hold');
    // A cancel meanwhile says nothing.
    const q = platform();
    const s = useRecorder(q.env, { onRecorded: () => {} });
    void s.start();
    s.cancel();
    await q.grant();
    expect(s.notice.value).toBeNull();
  });

  it.each([
    ['NotAllowedError', 'denied'],
    ['SecurityError', 'denied'],
    ['NotFoundError', 'unavailable'],
    ['NotReadableError', 'unavailable'],
  ])('a refused microphone (%s) becomes the notice %s', async (name, notice) => {
    const p = platform({ refuse: name });
    const r = useRecorder(p.env, { onRecorded: () => {} });
    await r.start();
    expect(r.state.value).toBe('idle');
    expect(r.notice.value).toBe(notice);
    r.dismiss();
    expect(r.notice.value).toBeNull();
  });

  it('without a microphone a press says so instead of failing', async () => {
    const r = useRecorder({}, { onRecorded: () => {} });
    await r.start();
    expect(r.notice.value).toBe('unavailable');
  });

  it('dispose mid-recording drops it and lets the microphone go', async () => {
    const p = platform();
    const got: Recording[] = [];
    const r = useRecorder(p.env, { onRecorded: (x) => got.push(x) });
    void r.start();
    await p.grant();
    await vi.advanceTimersByTimeAsync(2000);
    r.dispose();
    await flush();
    expect(got).toEqual([]);
    expect(p.tracks[0]!.stop).toHaveBeenCalled();
  });
});
