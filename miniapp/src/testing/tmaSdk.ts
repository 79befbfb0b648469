// A stand-in for @tma.js/sdk, for `vi.mock('@tma.js/sdk', () => import('../testing/tmaSdk'))`:
// a Telegram client whose viewport has full-screen (Bot API 8.0+) unless a
// test takes it away; every other feature is one this client lacks. Tests
// steer it and read what was asked through `tma`.

export const tma = {
  /** requestFullscreen/exitFullscreen are available. */
  available: true,
  /** The SDK itself throws (it never started properly). */
  broken: false,
  mounted: true,
  bound: true,
  fullscreen: false,
  /** The client answers fullscreen_failed. */
  refuse: false,
  /** The client answers only when the test calls one of `answers`. */
  manual: false,
  answers: [] as (() => void)[],
  /** What the app asked of the viewport, in order: 'expand', 'bindCssVars', 'request', 'exit'. */
  calls: [] as string[],
  /** The options each full-screen request or exit was given. */
  options: [] as unknown[],
};

/** resetTma makes the client a fresh one: full-screen available, not full-screen, viewport mounted and bound. */
export function resetTma(): void {
  Object.assign(tma, { available: true, broken: false, mounted: true, bound: true, fullscreen: false, refuse: false, manual: false });
  tma.answers.length = 0;
  tma.calls.length = 0;
  tma.options.length = 0;
}

function fullscreenCall(name: 'request' | 'exit', to: boolean) {
  return {
    isAvailable: () => {
      if (tma.broken) throw new Error('sdk not initialised');
      return tma.available;
    },
    ifAvailable: (options?: unknown) => {
      if (tma.broken) throw new Error('sdk not initialised');
      if (!tma.available) return { ok: false as const };
      tma.calls.push(name);
      tma.options.push(options);
      const data = new Promise<void>((resolve, reject) => {
        const answer = () => {
          if (tma.refuse) return reject(new Error('UNSUPPORTED'));
          tma.fullscreen = to;
          resolve();
        };
        if (tma.manual) tma.answers.push(answer);
        else answer();
      });
      return { ok: true as const, data };
    },
  };
}

export const viewport = {
  isMounted: () => tma.mounted,
  isCssVarsBound: () => tma.bound,
  isFullscreen: () => tma.fullscreen,
  requestFullscreen: fullscreenCall('request', true),
  exitFullscreen: fullscreenCall('exit', false),
  expand: { ifAvailable: () => (tma.calls.push('expand'), { ok: true as const }) },
  mount: { ifAvailable: () => ({ ok: true as const, data: Promise.resolve() }) },
  bindCssVars: { ifAvailable: () => (tma.calls.push('bindCssVars'), { ok: true as const, data: () => {} }) },
};

// Any other feature: callable, each of its members another such, every ifAvailable refused.
const lacking: () => unknown = new Proxy(() => false, {
  get: (_t, key) => (key === 'ifAvailable' ? () => ({ ok: false }) : key === 'then' ? undefined : lacking),
});

export const init = () => {};
export const addToHomeScreen = lacking;
export const backButton = lacking;
export const checkHomeScreenStatus = lacking;
export const closingBehavior = lacking;
export const cloudStorage = lacking;
export const deviceStorage = lacking;
export const hapticFeedback = lacking;
export const miniApp = lacking;
export const openLink = lacking;
export const popup = lacking;
export const swipeBehavior = lacking;
export const themeParams = lacking;
