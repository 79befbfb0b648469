import { describe, expect, it } from 'vitest';
import { createI18n, pickLocale } from './index';
import { en, ru } from './messages';

describe('i18n', () => {
  it.each([
    ['ru', 'ru'],
    ['RU', 'ru'],
    ['ru-RU', 'ru'],
    ['en', 'en'],
    ['uk', 'en'],
    ['de', 'en'],
    ['', 'en'],
    [undefined, 'en'],
  ])('pickLocale(%s) = %s', (code, want) => {
    expect(pickLocale(code)).toBe(want);
  });

  it('translates and fills parameters', () => {
    expect(createI18n('en').t('chattingWith', { name: 'Bob' })).toBe('You are chatting with Bob. Say hi!');
    expect(createI18n('ru').t('partnerLeft')).toBe('Собеседник вышел');
    expect(createI18n('ru').t('errAgeRange', { min: 18, max: 99 })).toBe('Возраст 18–99, «от» не больше «до»');
  });

  it.each([
    ['en', 1, '1 message'],
    ['en', 2, '2 messages'],
    ['ru', 1, '1 сообщение'],
    ['ru', 3, '3 сообщения'],
    ['ru', 5, '5 сообщений'],
    ['ru', 21, '21 сообщение'],
  ] as const)('counts in %s: %i', (locale, n, want) => {
    expect(createI18n(locale).tn('messages', n)).toBe(want);
  });

  it('formats a moment as local date and time', () => {
    const ms = new Date(2030, 0, 2, 15, 4).getTime();
    expect(createI18n('en').dateTime(ms)).toMatch(/Jan 2, 2030.*3:04/);
    expect(createI18n('ru').dateTime(ms)).toMatch(/2 янв\.? 2030.*15:04/);
  });

  it('has every key translated, with the same placeholders', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(ru[key], key).toBeTruthy();
      expect(placeholders(ru[key]), key).toEqual(placeholders(en[key]));
    }
  });
});
