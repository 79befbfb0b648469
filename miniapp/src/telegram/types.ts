// What the app knows of Telegram: launch parameters and theme colours, in
// the snake_case Telegram uses on the wire.

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

/** A small async key-value store: Telegram's CloudStorage/DeviceStorage, or localStorage outside Telegram. */
export interface AsyncStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
}
