import { describe, expect, it } from 'vitest';
import { createTelegramBridge } from './bridge';
import { languageFromInitData, parseLaunchParams } from './launchParams';
import type { TelegramWebApp } from './webapp';

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

describe('createTelegramBridge launch data', () => {
  const hash = `#tgWebAppData=${encodeURIComponent(raw)}&tgWebAppVersion=7.0`;
  const webApp = (initData: string, language?: string) =>
    ({ initData, initDataUnsafe: { user: language ? { language_code: language } : undefined } }) as unknown as TelegramWebApp;

  it('prefers what telegram-web-app.js parsed', () => {
    const b = createTelegramBridge(webApp('from-script', 'de'), hash);
    expect([b.initData, b.languageCode]).toEqual(['from-script', 'de']);
  });

  it('falls back to the hash when the script did not load, or has no init data', () => {
    for (const wa of [undefined, webApp('')]) {
      const b = createTelegramBridge(wa, hash);
      expect([b.initData, b.languageCode]).toEqual([raw, 'ru']);
    }
  });

  it('is outside Telegram with neither', () => {
    expect(createTelegramBridge(undefined, '').initData).toBe('');
  });
});
