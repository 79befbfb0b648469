import { parseLaunchParams } from './launchParams';
import type { ColorScheme, TelegramWebApp, ThemeParams } from './webapp';

/**
 * TelegramBridge is everything the app asks of the Telegram client. Outside
 * Telegram every method is a safe no-op and initData is empty.
 */
export interface TelegramBridge {
  readonly initData: string;
  readonly languageCode: string | undefined;
  colorScheme(): ColorScheme;
  themeParams(): ThemeParams;
  ready(): void;
  expand(): void;
  onThemeChanged(cb: () => void): () => void;
  /** Shows the BackButton with this handler, replacing the previous one; null hides it. */
  setBackButton(onClick: (() => void) | null): void;
  hapticSuccess(): void;
  hapticLight(): void;
  setClosingConfirmation(enabled: boolean): void;
  confirm(message: string): Promise<boolean>;
  /** Opens an external page (the privacy policy) outside the Mini App. */
  openLink(url: string): void;
}

/**
 * createTelegramBridge wraps window.Telegram.WebApp. `hash` is the page's
 * location.hash: when the WebApp object is missing or has no init data (its
 * script failed to load), the init data and language come from the launch
 * parameters Telegram (or the dev launch page) put there.
 */
export function createTelegramBridge(webApp: TelegramWebApp | undefined, hash = ''): TelegramBridge {
  const wa = webApp;
  const supports = (version: string) => wa !== undefined && wa.isVersionAtLeast(version);
  let backHandler: (() => void) | null = null;
  const fromHash = wa?.initData ? null : parseLaunchParams(hash);

  return {
    initData: fromHash ? fromHash.initData : (wa?.initData ?? ''),
    languageCode: fromHash ? fromHash.languageCode : wa?.initDataUnsafe.user?.language_code,
    colorScheme: () => wa?.colorScheme ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'),
    themeParams: () => wa?.themeParams ?? {},
    ready: () => wa?.ready(),
    expand: () => wa?.expand(),
    onThemeChanged(cb) {
      if (!wa) return () => {};
      wa.onEvent('themeChanged', cb);
      return () => wa.offEvent('themeChanged', cb);
    },
    setBackButton(onClick) {
      if (!wa || !supports('6.1')) return;
      if (backHandler) wa.BackButton.offClick(backHandler);
      backHandler = onClick;
      if (onClick) {
        wa.BackButton.onClick(onClick);
        wa.BackButton.show();
      } else {
        wa.BackButton.hide();
      }
    },
    hapticSuccess: () => {
      if (supports('6.1')) wa?.HapticFeedback.notificationOccurred('success');
    },
    hapticLight: () => {
      if (supports('6.1')) wa?.HapticFeedback.impactOccurred('light');
    },
    setClosingConfirmation(enabled) {
      if (!wa || !supports('6.2')) return;
      if (enabled) wa.enableClosingConfirmation();
      else wa.disableClosingConfirmation();
    },
    confirm(message) {
      // Outside a Telegram client the popup would never answer.
      if (wa && wa.platform !== 'unknown' && supports('6.2')) return new Promise((resolve) => wa.showConfirm(message, (ok) => resolve(ok)));
      return Promise.resolve(window.confirm(message));
    },
    openLink(url) {
      // Telegram's openLink needs an absolute http(s) URL; the configured one may be a path.
      const absolute = new URL(url, window.location.href).href;
      if (wa?.openLink && supports('6.1')) wa.openLink(absolute);
      else window.open(absolute, '_blank', 'noopener');
    },
  };
}
