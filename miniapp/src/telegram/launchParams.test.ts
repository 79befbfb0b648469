import { describe, expect, it } from 'vitest';
import { createBrowserBridge, inTelegramClient, isDark, type BrowserEnv } from './bridge';
import { languageFromInitData, parseLaunchParams } from './launchParams';

// Raw init data as Telegram sends it: its values are URL-encoded, the user is JSON.
const user = JSON.stringify({ id: 7001, first_name: 'Алиса', language_code: 'ru' });
const raw = `query_id=AAE&user=${encodeURIComponent(user)}&auth_date=1700000000&hash=abc123`;

describe('parseLaunchParams', () => {
  it('reads the raw init data, version and language from the hash', () => {
    const p = parseLaunchParams(`#tgWebAppData=${encodeURIComponent(raw)}&tgWebAppVersion=7.0&tgWebAppPlatform=web`);
    expect(p.initData).toBe(raw); // exactly as the API must get it: still encoded inside
    expect(p.version).toBe('7.0');
    expect(p.languageCode).toBe('ru');
  });

  it('reads the platform, the theme Telegram (or the dev page) passed, and the dev flag', () => {
    const theme = encodeURIComponent(JSON.stringify({ bg_color: '#17212b', text_color: '#f5f5f5', junk: 5, hint_color: 7 }));
    const p = parseLaunchParams(`#tgWebAppData=${encodeURIComponent(raw)}&tgWebAppPlatform=unknown&tgWebAppThemeParams=${theme}&tetatetDev=1`);
    expect(p).toMatchObject({ platform: 'unknown', themeParams: { bg_color: '#17212b', text_color: '#f5f5f5' }, dev: true });
    expect(parseLaunchParams('#tgWebAppThemeParams=nope').themeParams).toEqual({});
  });

  it('keeps a plus sign that the launch page encoded', () => {
    const withPlus = 'user=%7B%22language_code%22%3A%22en%22%7D&hash=a+b';
    expect(parseLaunchParams(`#tgWebAppData=${encodeURIComponent(withPlus)}`).initData).toBe(withPlus);
  });

  it.each([
    ['', ''],
    ['#', ''],
    ['#tgWebAppVersion=7.0', ''],
    ['#tgWebAppData=', ''],
  ])('no init data in %j', (hash, want) => {
    expect(parseLaunchParams(hash)).toMatchObject({ initData: want, languageCode: undefined });
  });

  it.each([
    ['user=not-json', undefined],
    [`user=${encodeURIComponent('{"id":1}')}`, undefined],
    [`user=${encodeURIComponent('{"language_code":5}')}`, undefined],
    ['auth_date=1', undefined],
    [`user=${encodeURIComponent('{"language_code":"en-US"}')}`, 'en-US'],
  ])('language of %s', (initData, want) => {
    expect(languageFromInitData(initData)).toBe(want);
  });
});

describe('outside Telegram', () => {
  const hash = `#tgWebAppData=${encodeURIComponent(raw)}&tgWebAppVersion=7.0&tgWebAppPlatform=ios`;
  const env = (over: Partial<BrowserEnv> = {}): BrowserEnv => ({
    confirm: () => true,
    open: () => {},
    prefersDark: () => false,
    storage: null,
    href: 'http://127.0.0.1:8080/',
    ...over,
  });
  const win = (over: Record<string, unknown> = {}) => {
    const w = { self: 1, top: 1, ...over };
    return w as unknown as Window & { TelegramWebviewProxy?: unknown };
  };

  it('is in a Telegram client only with a real platform and a way to talk to it', () => {
    const launch = parseLaunchParams(hash);
    expect(inTelegramClient(launch, win())).toBe(false); // a plain browser tab with the hash
    expect(inTelegramClient(launch, win({ TelegramWebviewProxy: { postEvent() {} } }))).toBe(true); // mobile apps
    expect(inTelegramClient(launch, win({ top: 2 }))).toBe(true); // Telegram Web's frame
    expect(inTelegramClient(parseLaunchParams(hash.replace('ios', 'unknown')), win({ top: 2 }))).toBe(false); // dev page
    expect(inTelegramClient(parseLaunchParams(''), win({ TelegramWebviewProxy: {} }))).toBe(false);
  });

  it('degrades to the browser: confirm(), window.open with an absolute URL, localStorage', async () => {
    const opened: string[] = [];
    const kept = new Map<string, string>();
    const b = createBrowserBridge(parseLaunchParams(hash), env({
      confirm: (m) => m === 'yes?',
      open: (u) => opened.push(u),
      storage: { getItem: (k) => kept.get(k) ?? null, setItem: (k, v) => void kept.set(k, v) },
    }));
    expect([b.inTelegram, b.nativeBack, b.initData, b.languageCode]).toEqual([false, false, raw, 'ru']);
    expect(await b.confirm('yes?')).toBe(true);
    expect(await b.confirm('no?')).toBe(false);
    b.openLink('/privacy');
    expect(opened).toEqual(['http://127.0.0.1:8080/privacy']);
    await b.storage.set('filters', '{}');
    expect(await b.storage.get('filters')).toBe('{}');
    // Every Telegram-only call is a harmless no-op.
    b.setBackButton(() => {});
    b.hapticLight();
    b.setVerticalSwipes(false);
    await b.offerHomeScreen();
  });

  it('takes the colour scheme from the theme the dev page passed, else from the browser', () => {
    const dark = encodeURIComponent(JSON.stringify({ bg_color: '#17212b' }));
    expect(createBrowserBridge(parseLaunchParams(`${hash}&tgWebAppThemeParams=${dark}`), env()).colorScheme()).toBe('dark');
    expect(createBrowserBridge(parseLaunchParams(hash), env({ prefersDark: () => true })).colorScheme()).toBe('dark');
    expect(createBrowserBridge(parseLaunchParams(hash), env()).colorScheme()).toBe('light');
    expect([isDark('#ffffff'), isDark('#17212b'), isDark('nope')]).toEqual([false, true, false]);
  });

  it('survives storage that throws', async () => {
    const b = createBrowserBridge(parseLaunchParams(hash), env({
      storage: {
        getItem: () => {
          throw new Error('denied');
        },
        setItem: () => {
          throw new Error('full');
        },
      },
    }));
    await expect(b.storage.set('k', 'v')).resolves.toBeUndefined();
    await expect(b.storage.get('k')).resolves.toBeNull();
  });
});
