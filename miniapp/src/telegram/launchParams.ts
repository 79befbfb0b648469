// Telegram hands a Mini App its launch parameters in the URL fragment:
// `#tgWebAppData=<urlencoded init data>&tgWebAppVersion=7.0&…`. The dev launch
// page outside Telegram does the same. telegram-web-app.js normally parses
// them; when that script did not load (no internet), the app reads them here.

export interface LaunchParams {
  /** The raw init data string, exactly as the API must receive it ('' when absent). */
  initData: string;
  version: string | undefined;
  /** user.language_code from the init data, if any. */
  languageCode: string | undefined;
}

/** parseLaunchParams reads the launch parameters from a location hash ("#a=b&…" or "a=b&…"). */
export function parseLaunchParams(hash: string): LaunchParams {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const initData = params.get('tgWebAppData') ?? '';
  return {
    initData,
    version: params.get('tgWebAppVersion') ?? undefined,
    languageCode: languageFromInitData(initData),
  };
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
