import { ref } from 'vue';

/** The server refuses voice over 60.0 s: the recorder stops a little before, so a full-length message is never lost. */
export const VOICE_MAX_MS = 59_500;
/** A press shorter than this is a tap, not a recording: the app says to hold instead. */
export const VOICE_MIN_MS = 500;
/** What the server takes (audio/webm, audio/ogg, audio/mp4), in the order the app prefers them. */
export const VOICE_TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4'] as const;
/** How often the elapsed time on screen moves. */
export const VOICE_TICK_MS = 100;

/** The parts of MediaRecorder the app uses. */
export interface Recorder {
  readonly mimeType: string;
  ondataavailable: ((e: { data: Blob }) => void) | null;
  onstop: (() => void) | null;
  start(): void;
  stop(): void;
}

/** What recording needs from the platform; absent parts mean it cannot record. */
export interface RecorderEnv {
  getUserMedia?: (c: MediaStreamConstraints) => Promise<Pick<MediaStream, 'getTracks'>>;
  createRecorder?: (stream: Pick<MediaStream, 'getTracks'>, mimeType: string | null) => Recorder;
  isTypeSupported?: (type: string) => boolean;
  now?: () => number;
}

/** browserRecorderEnv is this browser's MediaRecorder and microphone, or nothing where they are missing. */
export function browserRecorderEnv(): RecorderEnv {
  const md = typeof navigator === 'object' ? navigator.mediaDevices : undefined;
  if (typeof MediaRecorder !== 'function' || typeof md?.getUserMedia !== 'function') return {};
  return {
    getUserMedia: (c) => md.getUserMedia(c),
    createRecorder: (stream, mimeType) =>
      new MediaRecorder(stream as MediaStream, mimeType ? { mimeType } : undefined) as unknown as Recorder,
    isTypeSupported: (t) => typeof MediaRecorder.isTypeSupported === 'function' && MediaRecorder.isTypeSupported(t),
  };
}

/** pickMimeType is the first of VOICE_TYPES the platform records; null when none (the server would refuse its default). */
export function pickMimeType(isSupported: ((type: string) => boolean) | undefined): string | null {
  if (!isSupported) return null;
  return VOICE_TYPES.find((t) => isSupported(t)) ?? null;
}

/** canRecord: a microphone, MediaRecorder, and a container the server takes. Where false the record button is not shown. */
export function canRecord(env: RecorderEnv): boolean {
  return !!env.getUserMedia && !!env.createRecorder && pickMimeType(env.isTypeSupported) !== null;
}

export interface Recording {
  blob: Blob;
  durationMs: number;
  mimeType: string;
}

/** idle; requesting the microphone (the permission prompt may be up); recording. */
export type RecorderState = 'idle' | 'requesting' | 'recording';
/** What the composer says after a press: the microphone was refused or is missing, or the press was too short. */
export type RecorderNotice = 'denied' | 'unavailable' | 'hold' | null;

export interface RecorderOptions {
  /** A finished recording, to be sent. */
  onRecorded: (r: Recording) => void;
}

/**
 * useRecorder records a voice message while the user holds the button. The
 * microphone is asked for only when they press (the first press usually
 * shows the permission prompt, so releasing meanwhile records nothing); a
 * refusal becomes a notice that says how to allow it. Recording stops on
 * release (sent), on cancel (dropped), or by itself at VOICE_MAX_MS (sent).
 * The microphone is released as soon as the recording ends.
 */
export function useRecorder(env: RecorderEnv, opts: RecorderOptions) {
  const now = env.now ?? (() => Date.now());
  const state = ref<RecorderState>('idle');
  const notice = ref<RecorderNotice>(null);
  const elapsedMs = ref(0);
  /** What the user asked while the microphone was being requested. */
  let early: 'stop' | 'cancel' | null = null;
  let ending: 'send' | 'cancel' = 'send';
  let recorder: Recorder | null = null;
  let stream: Pick<MediaStream, 'getTracks'> | null = null;
  let startedAt = 0;
  let ticker: ReturnType<typeof setInterval> | undefined;
  let limit: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  function release() {
    clearInterval(ticker);
    clearTimeout(limit);
    ticker = limit = undefined;
    for (const t of stream?.getTracks() ?? []) t.stop();
    stream = null;
  }

  /** start asks for the microphone (when the user presses) and records. */
  async function start(): Promise<void> {
    if (state.value !== 'idle' || disposed) return;
    if (!env.getUserMedia || !env.createRecorder) {
      notice.value = 'unavailable';
      return;
    }
    notice.value = null;
    early = null;
    state.value = 'requesting';
    try {
      stream = await env.getUserMedia({ audio: true });
    } catch (err) {
      state.value = 'idle';
      const name = err instanceof Error || err instanceof DOMException ? err.name : '';
      notice.value = name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError' ? 'denied' : 'unavailable';
      return;
    }
    if (disposed || early !== null) {
      // Released while the prompt was up: nothing was recorded. A stop (not a cancel) says how it works.
      if (early === 'stop') notice.value = 'hold';
      release();
      state.value = 'idle';
      return;
    }
    const mimeType = pickMimeType(env.isTypeSupported);
    let rec: Recorder;
    try {
      rec = env.createRecorder(stream, mimeType);
    } catch {
      release();
      state.value = 'idle';
      notice.value = 'unavailable';
      return;
    }
    const chunks: Blob[] = [];
    rec.ondataavailable = (e) => {
      if (e.data.size > 0) chunks.push(e.data);
    };
    rec.onstop = () => {
      const durationMs = Math.min(now() - startedAt, VOICE_MAX_MS);
      release();
      recorder = null;
      state.value = 'idle';
      elapsedMs.value = 0;
      if (ending === 'cancel' || disposed) return;
      if (durationMs < VOICE_MIN_MS || chunks.length === 0) {
        notice.value = 'hold';
        return;
      }
      const type = rec.mimeType || mimeType || chunks[0]!.type;
      opts.onRecorded({ blob: new Blob(chunks, { type }), durationMs, mimeType: type });
    };
    recorder = rec;
    ending = 'send';
    rec.start();
    startedAt = now();
    elapsedMs.value = 0;
    state.value = 'recording';
    ticker = setInterval(() => (elapsedMs.value = Math.min(now() - startedAt, VOICE_MAX_MS)), VOICE_TICK_MS);
    limit = setTimeout(() => finish('send'), VOICE_MAX_MS);
  }

  function finish(how: 'send' | 'cancel') {
    if (state.value === 'requesting') {
      early = how === 'send' ? 'stop' : 'cancel';
      return;
    }
    if (state.value !== 'recording' || !recorder) return;
    ending = how;
    clearInterval(ticker);
    clearTimeout(limit);
    elapsedMs.value = Math.min(now() - startedAt, VOICE_MAX_MS);
    recorder.stop(); // onstop delivers the recording
  }

  function dispose() {
    disposed = true;
    if (recorder) finish('cancel');
    release();
  }

  return {
    state,
    notice,
    elapsedMs,
    start,
    /** stop ends the recording and sends it (the user let go). */
    stop: () => finish('send'),
    /** cancel ends the recording and drops it (slid away, or the cancel button). */
    cancel: () => finish('cancel'),
    /** dismiss hides the notice. */
    dismiss: () => (notice.value = null),
    dispose,
  };
}

export type UseRecorder = ReturnType<typeof useRecorder>;
