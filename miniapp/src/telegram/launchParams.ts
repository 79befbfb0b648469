import type { ThemeParams } from './types';

// Telegram hands a Mini App its launch parameters in the URL fragment:
// `#tgWebAppData=<urlencoded init data>&tgWebAppVersion=8.0&tgWebAppPlatform=ios&tgWebAppThemeParams={…}`.
// The dev launch page outside Telegram does the same (platform "unknown").

export interface LaunchParams {
  /** The raw init data string, exactly as the API must receive it ('' when absent). */
  initData: string;
  version: string | undefined;
  /** "ios", "android", "tdesktop", "weba", …; "unknown" outside a Telegram client (dev mode). */
  platform: string | undefined;
  /** user.language_code from the init data, if any. */
  languageCode: string | undefined;
  themeParams: ThemeParams;
  /** Set by the runner's /dev page (tetatetDev=1): errors may point back to it. */
  dev: boolean;
}

/** parseLaunchParams reads the launch parameters from a location hash ("#a=b&…" or "a=b&…"). */
export function parseLaunchParams(hash: string): LaunchParams {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const initData = params.get('tgWebAppData') ?? '';
  return {
    initData,
    version: params.get('tgWebAppVersion') ?? undefined,
    platform: params.get('tgWebAppPlatform') ?? undefined,
    languageCode: languageFromInitData(initData),
    themeParams: parseThemeParams(params.get('tgWebAppThemeParams')),
    dev: params.get('tetatetDev') === '1',
  };
}

const themeKeys: (keyof ThemeParams)[] = [
  'bg_color',
  'text_color',
  'hint_color',
  'link_color',
  'button_color',
  'button_text_color',
  'secondary_bg_color',
  'destructive_text_color',
];

/** parseThemeParams reads tgWebAppThemeParams (JSON); anything else is ignored. */
export function parseThemeParams(raw: string | null): ThemeParams {
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null) return {};
    const out: ThemeParams = {};
    for (const k of themeKeys) {
      const v = (parsed as Record<string, unknown>)[k];
      if (typeof v === 'string') out[k] = v;
    }
    return out;
  } catch {
    return {};
  }
}

/** languageFromInitData reads user.language_code from the user JSON inside raw init data. */
export function languageFromInitData(initData: string): string | undefined {
  if (initData === '') return undefined;
  const user = new URLSearchParams(initData).get('user');
  if (user === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(user);
    if (typeof parsed === 'object' && parsed !== null && 'language_code' in parsed) {
      const code = (parsed as { language_code: unknown }).language_code;
      return typeof code === 'string' && code !== '' ? code : undefined;
    }
  } catch {
    // Not JSON: no language, the UI falls back to English.
  }
  return undefined;
}
