import { createApp } from 'vue';
import App from './App.vue';
import { loadRichAds } from './ads/richads';
import { createApiClient } from './api/client';
import { createRoomMemory } from './composables/roomMemory';
import { useApp } from './composables/useApp';
import { createI18n, i18nKey, pickLocale } from './i18n';
import { createRealtime } from './realtime/connection';
import { resolveWsUrl } from './realtime/url';
import { createTelegramBridge } from './telegram/bridge';
import { applyTheme, themeToCssVars } from './telegram/theme';
import './styles/base.css';

// main only wires: Telegram bridge, theme, i18n, API client, real-time factory, then the app.
const telegram = createTelegramBridge(window.Telegram?.WebApp, window.location.hash);
telegram.ready();
telegram.expand();

const paint = () => {
  const scheme = telegram.colorScheme();
  applyTheme(document.documentElement, themeToCssVars(telegram.themeParams(), scheme), scheme);
};
paint();
telegram.onThemeChanged(paint);

const i18n = createI18n(pickLocale(telegram.languageCode));
document.documentElement.lang = i18n.locale;

/** localStorage may be missing or throw on access (storage disabled); the app then works without it. */
function localStore(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const api = createApiClient({ initData: telegram.initData });
const app = useApp({
  api,
  telegram,
  t: i18n.t,
  realtime: (config) => createRealtime(resolveWsUrl(config.centrifugo_ws_url, window.location), api),
  onConfig: (config) => loadRichAds(config),
  memory: createRoomMemory(localStore()),
});

createApp(App, { app }).provide(i18nKey, i18n).mount('#app');
void app.boot();
