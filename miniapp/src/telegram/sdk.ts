import {
  addToHomeScreen,
  backButton,
  checkHomeScreenStatus,
  closingBehavior,
  cloudStorage,
  deviceStorage,
  hapticFeedback,
  init,
  miniApp,
  openLink,
  popup,
  swipeBehavior,
  themeParams,
  viewport,
} from '@tma.js/sdk';
import { localStore, type TelegramBridge } from './bridge';
import { noFullscreen, type Fullscreen } from './fullscreen';
import type { LaunchParams } from './launchParams';
import type { AsyncStore, ColorScheme, ThemeParams } from './types';

/** Keys the app stores start with this, in every store. */
const KEY_PREFIX = 'tetatet_';

/**
 * createSdkBridge is the bridge inside a Telegram client, on the Mini Apps
 * SDK (@tma.js/sdk). Each feature is mounted once; every call goes through
 * `ifAvailable`, so an older client that lacks one simply does without.
 */
export function createSdkBridge(launch: LaunchParams, fallback: Pick<Storage, 'getItem' | 'setItem'> | null): TelegramBridge {
  // The version and theme are given, so the SDK does not validate the launch
  // parameters itself: it would refuse init data without the Bot API 8.0
  // `signature` (older clients), which the API checks anyway.
  init({
    version: launch.version ?? '6.0',
    isInlineMode: false,
    themeParams: launch.themeParams as Parameters<typeof init>[0] extends { themeParams?: infer T } ? NonNullable<T> : never,
  });
  for (const mount of [
    () => miniApp.mount.ifAvailable(),
    () => themeParams.mount.ifAvailable(),
    () => backButton.mount.ifAvailable(),
    () => closingBehavior.mount.ifAvailable(),
    () => swipeBehavior.mount.ifAvailable(),
  ]) {
    try {
      mount();
    } catch {
      // a feature this client does not have
    }
  }
  // Safe-area and content-safe-area insets become CSS variables the layout reads.
  viewport.expand.ifAvailable();
  const mounting = viewport.mount.ifAvailable();
  if (mounting.ok) {
    void Promise.resolve(mounting.data)
      .then(() => void viewport.bindCssVars.ifAvailable())
      .catch(() => {}); // no viewport from this client: env() insets still apply
  }

  let back: (() => void) | null = null;
  let offBack: (() => void) | null = null;

  const theme = (): ThemeParams => {
    const s = themeParams.state() as Record<string, string | undefined>;
    return Object.keys(s).length > 0 ? (s as ThemeParams) : launch.themeParams;
  };

  return {
    inTelegram: true,
    dev: launch.dev,
    initData: launch.initData,
    languageCode: launch.languageCode,
    nativeBack: backButton.isSupported(),
    colorScheme: (): ColorScheme => (themeParams.isDark() ? 'dark' : 'light'),
    themeParams: theme,
    ready: () => void miniApp.ready.ifAvailable(),
    onThemeChanged: (cb) => themeParams.state.sub(cb),
    setBackButton(onClick) {
      offBack?.();
      offBack = null;
      back = onClick;
      if (!back) {
        backButton.hide.ifAvailable();
        return;
      }
      const handler = back;
      const off = backButton.onClick.ifAvailable(() => handler());
      offBack = off.ok ? off.data : null;
      backButton.show.ifAvailable();
    },
    hapticSuccess: () => void hapticFeedback.notificationOccurred.ifAvailable('success'),
    hapticLight: () => void hapticFeedback.impactOccurred.ifAvailable('light'),
    hapticSelection: () => void hapticFeedback.selectionChanged.ifAvailable(),
    setClosingConfirmation(enabled) {
      if (enabled) closingBehavior.enableConfirmation.ifAvailable();
      else closingBehavior.disableConfirmation.ifAvailable();
    },
    setVerticalSwipes(enabled) {
      if (enabled) swipeBehavior.enableVertical.ifAvailable();
      else swipeBehavior.disableVertical.ifAvailable();
    },
    async confirm(message) {
      const shown = popup.show.ifAvailable({
        message,
        buttons: [
          { id: 'ok', type: 'ok' },
          { id: 'cancel', type: 'cancel' },
        ],
      });
      if (!shown.ok) return window.confirm(message);
      try {
        return (await shown.data) === 'ok';
      } catch {
        return false;
      }
    },
    openLink(url) {
      const absolute = new URL(url, window.location.href).href;
      const opened = openLink.ifAvailable(absolute);
      if (opened.ok === false) window.open(absolute, '_blank', 'noopener');
    },
    close: () => void miniApp.close.ifAvailable(),
    storage: telegramStore(localStore(fallback)),
    async offerHomeScreen() {
      const check = checkHomeScreenStatus.ifAvailable();
      if (check.ok === false) return;
      const status = await check.data.catch(() => 'unsupported');
      if (status === 'missed' || status === 'unknown') addToHomeScreen.ifAvailable();
    },
  };
}

/** How long a full-screen request may wait for the client's answer before the next one may run. */
const FULLSCREEN_TIMEOUT_MS = 5000;

/** The phone clients: on a desktop, full-screen would take over the whole screen for a photo. */
const MOBILE_PLATFORMS = new Set(['ios', 'android', 'android_x']);

/**
 * createSdkFullscreen is full-screen inside a Telegram client on a phone
 * (Bot API 8.0+), through viewport.requestFullscreen and exitFullscreen. It
 * is called after createSdkBridge has started the SDK; on other platforms it
 * does nothing.
 *
 * It asks only once the viewport is mounted and its safe-area CSS variables
 * are bound: before that the app cannot tell whether it is full-screen
 * already, nor keep a view's controls from under Telegram's own. It leaves
 * full-screen only if it entered it: an app launched full-screen stays so.
 * Requests run one after another, each deciding from the holds open when it
 * runs, so closing a photo and opening the next at once stays full-screen,
 * and closing before the client has answered still leaves.
 */
export function createSdkFullscreen(launch: Pick<LaunchParams, 'platform'>): Fullscreen {
  if (!MOBILE_PLATFORMS.has(launch.platform ?? '')) return noFullscreen;
  let holds = 0;
  /** The app asked for full-screen and has not left it since. */
  let ours = false;
  let queue: Promise<void> = Promise.resolve();
  const step = async () => {
    if (holds > 0 && !ours) {
      if (!viewport.isMounted() || !viewport.isCssVarsBound() || viewport.isFullscreen()) return;
      const asked = viewport.requestFullscreen.ifAvailable({ timeout: FULLSCREEN_TIMEOUT_MS });
      if (!asked.ok) return;
      ours = true;
      await asked.data; // if refused, isFullscreen stays false and there is nothing to leave
    } else if (holds === 0 && ours) {
      ours = false;
      if (!viewport.isFullscreen()) return; // the user has left it already
      const asked = viewport.exitFullscreen.ifAvailable({ timeout: FULLSCREEN_TIMEOUT_MS });
      if (asked.ok) await asked.data;
    }
  };
  const settle = () => {
    queue = queue.then(step).catch(() => {}); // a refusal or timeout leaves things as they are
  };
  return {
    enter() {
      holds++;
      settle();
      let given = false;
      return () => {
        if (given) return;
        given = true;
        holds--;
        settle();
      };
    },
  };
}

/**
 * telegramStore keeps values in CloudStorage (the user's other devices see
 * the same filters), else DeviceStorage, else localStorage; a store that
 * fails falls through to the next.
 */
function telegramStore(local: AsyncStore): AsyncStore {
  const stores: AsyncStore[] = [];
  if (cloudStorage.getItem.isAvailable()) {
    stores.push({
      get: async (k) => {
        const r = cloudStorage.getItem.ifAvailable(KEY_PREFIX + k);
        if (r.ok === false) throw new Error('CloudStorage unavailable');
        const v = await r.data;
        return v === '' ? null : v;
      },
      set: async (k, v) => {
        const r = cloudStorage.setItem.ifAvailable(KEY_PREFIX + k, v);
        if (r.ok === false) throw new Error('CloudStorage unavailable');
        await r.data;
      },
    });
  }
  if (deviceStorage.getItem.isAvailable()) {
    stores.push({
      get: async (k) => {
        const r = deviceStorage.getItem.ifAvailable(KEY_PREFIX + k);
        if (r.ok === false) throw new Error('DeviceStorage unavailable');
        return await r.data;
      },
      set: async (k, v) => {
        const r = deviceStorage.setItem.ifAvailable(KEY_PREFIX + k, v);
        if (r.ok === false) throw new Error('DeviceStorage unavailable');
        await r.data;
      },
    });
  }
  stores.push(local);
  return {
    async get(k) {
      for (const s of stores) {
        try {
          return await s.get(k);
        } catch {
          // next store
        }
      }
      return null;
    },
    async set(k, v) {
      for (const s of stores) {
        try {
          return await s.set(k, v);
        } catch {
          // next store
        }
      }
    },
  };
}
