import type { ColorScheme, ThemeParams } from './types';

/** The CSS variables the stylesheet reads, and the theme parameter each comes from. */
export const themeVariables = {
  '--app-bg': 'bg_color',
  '--app-text': 'text_color',
  '--app-hint': 'hint_color',
  '--app-button': 'button_color',
  '--app-button-text': 'button_text_color',
  '--app-secondary-bg': 'secondary_bg_color',
  '--app-link': 'link_color',
} as const satisfies Record<string, keyof ThemeParams>;

export type ThemeVariable = keyof typeof themeVariables;
/** Variables derived from the theme so that text on them stays readable (WCAG AA). */
export type DerivedVariable = '--app-hint-text' | '--app-accent-text' | '--app-own-bubble' | '--app-own-text' | '--app-danger';

/** Telegram's own palettes, for clients (and the dev page) that omit a parameter. */
export const palettes: Record<ColorScheme, Record<ThemeVariable, string>> = {
  light: {
    '--app-bg': '#ffffff',
    '--app-text': '#000000',
    '--app-hint': '#707579',
    '--app-button': '#3390ec',
    '--app-button-text': '#ffffff',
    '--app-secondary-bg': '#f4f4f5',
    '--app-link': '#3390ec',
  },
  dark: {
    '--app-bg': '#17212b',
    '--app-text': '#f5f5f5',
    '--app-hint': '#708499',
    '--app-button': '#5288c1',
    '--app-button-text': '#ffffff',
    '--app-secondary-bg': '#232e3c',
    '--app-link': '#6ab3f3',
  },
};

/** Text at least this much brighter or darker than its background (WCAG 2 AA, normal text). */
export const MIN_CONTRAST = 4.5;

const hexColor = /^#(?:[0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

type RGB = [number, number, number];

function rgb(hex: string): RGB {
  let h = hex.slice(1);
  if (h.length === 3) h = [...h].map((c) => c + c).join('');
  const n = parseInt(h.slice(0, 6), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function hex([r, g, b]: RGB): string {
  return `#${[r, g, b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
}

function luminance(c: RGB): number {
  const [r, g, b] = c.map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as RGB;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** contrast is the WCAG contrast ratio of two colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(rgb(a)), luminance(rgb(b))];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

/**
 * readable moves `fg` towards `toward` in small steps until it reaches
 * `min` contrast on every one of `bgs` (Telegram's hint grey is 2.9:1 to
 * 3.6:1 on some of its own backgrounds).
 */
export function readable(fg: string, bgs: string[], toward: string, min = MIN_CONTRAST): string {
  const from = rgb(fg);
  const to = rgb(toward);
  for (let i = 0; i <= 20; i++) {
    const k = i / 20;
    const c = hex([0, 1, 2].map((j) => from[j]! + (to[j]! - from[j]!) * k) as RGB);
    if (bgs.every((bg) => contrast(c, bg) >= min)) return c;
  }
  return toward;
}

/** themeToCssVars maps Telegram theme parameters to the app's CSS variables; invalid colours fall back. */
export function themeToCssVars(params: ThemeParams, scheme: ColorScheme): Record<ThemeVariable | DerivedVariable, string> {
  const base = { ...palettes[scheme] };
  for (const [cssVar, param] of Object.entries(themeVariables) as [ThemeVariable, keyof ThemeParams][]) {
    const value = params[param];
    if (value !== undefined && hexColor.test(value)) base[cssVar] = hex(rgb(value));
  }
  const bg = base['--app-bg'];
  const chatBg = base['--app-secondary-bg'];
  const text = base['--app-text'];
  const black = '#000000';
  const white = '#ffffff';
  const dark = scheme === 'dark';
  const ownText = base['--app-button-text'];
  return {
    ...base,
    '--app-hint-text': readable(base['--app-hint'], [bg, chatBg], text),
    '--app-accent-text': readable(base['--app-link'], [bg, chatBg], text),
    // The own bubble keeps the theme's button colour, darkened (or lightened) just enough for its text.
    '--app-own-bubble': readable(base['--app-button'], [ownText], contrast(ownText, white) > contrast(ownText, black) ? white : black),
    '--app-own-text': ownText,
    '--app-danger': readable(dark ? '#ff6b6b' : '#e53935', [bg, chatBg], text),
  };
}

export function applyTheme(root: HTMLElement, vars: Record<string, string>, scheme: ColorScheme): void {
  for (const [name, value] of Object.entries(vars)) root.style.setProperty(name, value);
  root.style.colorScheme = scheme;
  root.dataset.theme = scheme;
}
