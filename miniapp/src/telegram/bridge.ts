import { parseLaunchParams, type LaunchParams } from './launchParams';
import type { AsyncStore, ColorScheme, ThemeParams } from './types';

/**
 * TelegramBridge is everything the app asks of the Telegram client. Inside
 * Telegram it is the Mini Apps SDK (sdk.ts); outside (dev mode, tests) every
 * call degrades to what a browser has: confirm(), window.open, localStorage.
 * Every call is made from the app's own frame (Bot API 10.2 refuses Mini
 * App methods from another origin), never from an embedded one.
 */
export interface TelegramBridge {
  /** In a Telegram client, not a plain browser. */
  readonly inTelegram: boolean;
  /** Opened from the runner's /dev page. */
  readonly dev: boolean;
  readonly initData: string;
  readonly languageCode: string | undefined;
  /** Telegram shows its own Back button: the app needs none on screen. */
  readonly nativeBack: boolean;
  colorScheme(): ColorScheme;
  themeParams(): ThemeParams;
  /** The app has drawn its first screen. */
  ready(): void;
  onThemeChanged(cb: () => void): () => void;
  /** Shows the Back button with this handler, replacing the previous one; null hides it. */
  setBackButton(onClick: (() => void) | null): void;
  hapticSuccess(): void;
  hapticLight(): void;
  hapticSelection(): void;
  setClosingConfirmation(enabled: boolean): void;
  /** While in a chat, a vertical swipe scrolls the list instead of closing the app. */
  setVerticalSwipes(enabled: boolean): void;
  confirm(message: string): Promise<boolean>;
  /** Opens an external page outside the Mini App. */
  openLink(url: string): void;
  /** Closes the Mini App (a browser tab cannot be closed: it does nothing there). */
  close(): void;
  /** Remembers small settings (the search filters) across launches. */
  readonly storage: AsyncStore;
  /** Offers "add to home screen" once, where the client supports it and it is not there yet. */
  offerHomeScreen(): Promise<void>;
}

/** localStore is the browser's localStorage as an AsyncStore; without storage it forgets. */
export function localStore(ls: Pick<Storage, 'getItem' | 'setItem'> | null): AsyncStore {
  return {
    get: async (k) => {
      try {
        return ls?.getItem(k) ?? null;
      } catch {
        return null;
      }
    },
    set: async (k, v) => {
      try {
        ls?.setItem(k, v);
      } catch {
        // private mode or full: the filters are simply not remembered
      }
    },
  };
}

export interface BrowserEnv {
  confirm(message: string): boolean;
  open(url: string): void;
  prefersDark(): boolean;
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  href: string;
}

/**
 * createBrowserBridge is the bridge outside a Telegram client: launch
 * parameters from the URL hash (the dev page puts them there like Telegram),
 * the theme they carry (or the browser's), and browser stand-ins.
 */
export function createBrowserBridge(launch: LaunchParams, env: BrowserEnv): TelegramBridge {
  const hasTheme = Object.keys(launch.themeParams).length > 0;
  const scheme = (): ColorScheme => {
    if (hasTheme && launch.themeParams.bg_color) return isDark(launch.themeParams.bg_color) ? 'dark' : 'light';
    return env.prefersDark() ? 'dark' : 'light';
  };
  return {
    inTelegram: false,
    dev: launch.dev,
    initData: launch.initData,
    languageCode: launch.languageCode,
    nativeBack: false,
    colorScheme: scheme,
    themeParams: () => launch.themeParams,
    ready: () => {},
    onThemeChanged: () => () => {},
    setBackButton: () => {},
    hapticSuccess: () => {},
    hapticLight: () => {},
    hapticSelection: () => {},
    setClosingConfirmation: () => {},
    setVerticalSwipes: () => {},
    confirm: (message) => Promise.resolve(env.confirm(message)),
    openLink: (url) => env.open(new URL(url, env.href).href),
    close: () => {},
    storage: localStore(env.storage),
    offerHomeScreen: () => Promise.resolve(),
  };
}

/** isDark says whether a #rrggbb colour is dark (relative luminance below the middle). */
export function isDark(hex: string): boolean {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return false;
  const n = parseInt(m[1]!, 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128;
}

/**
 * inTelegramClient says whether the page runs inside a Telegram client: it
 * was launched with a real platform and a way to talk to the client exists
 * (the native webview proxy, or a parent frame for Telegram Web).
 */
export function inTelegramClient(launch: LaunchParams, w: Window & { TelegramWebviewProxy?: unknown }): boolean {
  if (launch.initData === '' || !launch.platform || launch.platform === 'unknown') return false;
  let framed = false;
  try {
    framed = w.self !== w.top;
  } catch {
    framed = true;
  }
  return framed || (typeof w.TelegramWebviewProxy === 'object' && w.TelegramWebviewProxy !== null);
}

export { parseLaunchParams };
