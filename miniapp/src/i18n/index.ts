// Package i18n: Russian for Telegram users whose language is Russian, English for everyone else.
import { inject, type InjectionKey } from 'vue';
import { en, enPlurals, ru, ruPlurals, type MessageKey, type PluralKey } from './messages';

export type { MessageKey, PluralKey } from './messages';
export type Locale = 'en' | 'ru';
export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

export interface I18n {
  locale: Locale;
  t: Translate;
  /** A moment (Unix ms) as local date and time, e.g. "23 Nov 2025, 14:05". */
  dateTime: (ms: number) => string;
  /** A counted phrase in the right plural form: tn('messages', 3) = "3 messages", "3 сообщения". */
  tn: (key: PluralKey, n: number) => string;
}

/** pickLocale chooses the UI language from Telegram's user.language_code ("ru", "ru-RU", …). */
export function pickLocale(languageCode: string | undefined): Locale {
  return languageCode?.toLowerCase().split(/[-_]/)[0] === 'ru' ? 'ru' : 'en';
}

export function createI18n(locale: Locale): I18n {
  const table: Record<MessageKey, string> = locale === 'ru' ? ru : en;
  const t: Translate = (key, params) =>
    table[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
      params && name in params ? String(params[name]) : whole,
    );
  const dateTime = (ms: number) => new Date(ms).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const rules = new Intl.PluralRules(locale);
  const plurals = locale === 'ru' ? ruPlurals : enPlurals;
  const tn = (key: PluralKey, n: number) => {
    const forms = plurals[key];
    return (forms[rules.select(n)] ?? forms.other).replace('{n}', String(n));
  };
  return { locale, t, dateTime, tn };
}

export const i18nKey: InjectionKey<I18n> = Symbol('i18n');

/** useI18n gives components the translator provided by the app root (English if none). */
export function useI18n(): I18n {
  return inject(i18nKey, () => createI18n('en'), true);
}
