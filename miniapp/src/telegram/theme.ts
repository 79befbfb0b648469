import type { ColorScheme, ThemeParams } from './webapp';

/** The CSS variables the stylesheet reads, and the theme parameter each comes from. */
export const themeVariables = {
  '--app-bg': 'bg_color',
  '--app-text': 'text_color',
  '--app-hint': 'hint_color',
  '--app-button': 'button_color',
  '--app-button-text': 'button_text_color',
  '--app-secondary-bg': 'secondary_bg_color',
} as const satisfies Record<string, keyof ThemeParams>;

export type ThemeVariable = keyof typeof themeVariables;

/** Fallbacks close to Telegram's own palettes, for clients that omit a parameter. */
const fallback: Record<ColorScheme, Record<ThemeVariable, string>> = {
  light: {
    '--app-bg': '#ffffff',
    '--app-text': '#000000',
    '--app-hint': '#999999',
    '--app-button': '#2481cc',
    '--app-button-text': '#ffffff',
    '--app-secondary-bg': '#efeff3',
  },
  dark: {
    '--app-bg': '#212121',
    '--app-text': '#ffffff',
    '--app-hint': '#aaaaaa',
    '--app-button': '#8774e1',
    '--app-button-text': '#ffffff',
    '--app-secondary-bg': '#0f0f0f',
  },
};

const hexColor = /^#(?:[0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

/** themeToCssVars maps Telegram theme parameters to the app's CSS variables; invalid colours fall back. */
export function themeToCssVars(params: ThemeParams, scheme: ColorScheme): Record<ThemeVariable, string> {
  const out = { ...fallback[scheme] };
  for (const [cssVar, param] of Object.entries(themeVariables) as [ThemeVariable, keyof ThemeParams][]) {
    const value = params[param];
    if (value !== undefined && hexColor.test(value)) out[cssVar] = value;
  }
  return out;
}

export function applyTheme(root: HTMLElement, vars: Record<ThemeVariable, string>, scheme: ColorScheme): void {
  for (const [name, value] of Object.entries(vars)) root.style.setProperty(name, value);
  root.style.colorScheme = scheme;
  root.dataset.theme = scheme;
}
