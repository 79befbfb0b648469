import { computed, ref, type InjectionKey } from 'vue';

/** The parts of an <audio> element the player uses. */
export interface AudioLike {
  currentTime: number;
  readonly duration: number;
  readonly paused: boolean;
  play(): Promise<void>;
  pause(): void;
}

/** Playback is one voice message at a time: starting one pauses the one playing. */
export function createPlayback() {
  let playing: { pause(): void } | null = null;
  return {
    claim(p: { pause(): void }) {
      if (playing && playing !== p) playing.pause();
      playing = p;
    },
    release(p: { pause(): void }) {
      if (playing === p) playing = null;
    },
  };
}

export type Playback = ReturnType<typeof createPlayback>;
export const playbackKey: InjectionKey<Playback> = Symbol('playback');

/** formatDuration is m:ss ("0:07", "1:00"). */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * useVoicePlayer is the state of one voice bubble: playing or not, how far
 * (0–1) and the time to show. The length comes from the message (the
 * server measured it): Chrome's recordings have no duration in their
 * header, so the element's own says Infinity until played through.
 */
export function useVoicePlayer(durationMs: () => number, playback: Playback | null = null) {
  const playing = ref(false);
  const positionMs = ref(0);
  let el: AudioLike | null = null;

  const lengthMs = () => {
    const d = durationMs();
    if (d > 0) return d;
    return el && Number.isFinite(el.duration) ? el.duration * 1000 : 0;
  };
  const progress = computed(() => {
    const len = lengthMs();
    return len > 0 ? Math.min(1, positionMs.value / len) : 0;
  });
  /** While playing (or paused midway) the time played; otherwise the length. */
  const shown = computed(() => formatDuration(playing.value || positionMs.value > 0 ? positionMs.value : lengthMs()));

  const self = {
    pause() {
      el?.pause();
    },
  };

  /** attach binds the <audio> element once it exists (with its blob URL). */
  function attach(audio: AudioLike | null) {
    el = audio;
  }

  async function toggle(): Promise<void> {
    if (!el) return;
    if (!el.paused) {
      el.pause();
      return;
    }
    playback?.claim(self);
    try {
      await el.play();
    } catch {
      playing.value = false; // refused (no gesture) or no audio output: the button stays "play"
    }
  }

  // The element's events, bound by the component.
  function onPlay() {
    playing.value = true;
    playback?.claim(self);
  }
  function onPause() {
    playing.value = false;
  }
  function onTime() {
    if (el) positionMs.value = el.currentTime * 1000;
  }
  function onEnded() {
    playing.value = false;
    positionMs.value = 0;
    playback?.release(self);
    if (el) el.currentTime = 0;
  }

  return { playing, progress, positionMs, shown, attach, toggle, onPlay, onPause, onTime, onEnded, stop: () => self.pause() };
}
