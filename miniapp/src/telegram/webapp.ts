// The subset of window.Telegram.WebApp this app uses, as loaded from
// https://telegram.org/js/telegram-web-app.js.

export interface ThemeParams {
  bg_color?: string;
  text_color?: string;
  hint_color?: string;
  link_color?: string;
  button_color?: string;
  button_text_color?: string;
  secondary_bg_color?: string;
  destructive_text_color?: string;
}

export type ColorScheme = 'light' | 'dark';

export interface TelegramWebApp {
  initData: string;
  initDataUnsafe: { user?: { language_code?: string } };
  version: string;
  /** 'unknown' outside a Telegram client (e.g. the dev page in a browser). */
  platform?: string;
  colorScheme: ColorScheme;
  themeParams: ThemeParams;
  ready(): void;
  expand(): void;
  isVersionAtLeast(version: string): boolean;
  enableClosingConfirmation(): void;
  disableClosingConfirmation(): void;
  BackButton: {
    show(): void;
    hide(): void;
    onClick(cb: () => void): void;
    offClick(cb: () => void): void;
  };
  HapticFeedback: {
    notificationOccurred(type: 'error' | 'success' | 'warning'): void;
    impactOccurred(style: 'light' | 'medium' | 'heavy' | 'rigid' | 'soft'): void;
  };
  showConfirm(message: string, cb: (ok: boolean) => void): void;
  openLink?(url: string): void;
  setHeaderColor?(color: string): void;
  setBackgroundColor?(color: string): void;
  onEvent(event: 'themeChanged', cb: () => void): void;
  offEvent(event: 'themeChanged', cb: () => void): void;
}

declare global {
  interface Window {
    Telegram?: { WebApp?: TelegramWebApp };
  }
}
