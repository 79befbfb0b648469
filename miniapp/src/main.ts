import { createApp } from 'vue';
import App from './App.vue';
import { createApiClient } from './api/client';
import { browserRecorderEnv } from './composables/chat/recorder';
import { createRoomMemory } from './composables/roomMemory';
import { useApp } from './composables/useApp';
import { widenAfterFromQuery } from './composables/useSearch';
import { createI18n, i18nKey, pickLocale } from './i18n';
import { createRealtime } from './realtime/connection';
import { resolveWsUrl } from './realtime/url';
import { createBrowserBridge, inTelegramClient, type TelegramBridge } from './telegram/bridge';
import { fullscreenKey, noFullscreen } from './telegram/fullscreen';
import { parseLaunchParams } from './telegram/launchParams';
import { createSdkBridge, createSdkFullscreen } from './telegram/sdk';
import { applyTheme, themeToCssVars } from './telegram/theme';
import { mountAds } from './ads/richads';
import './styles/base.css';

// main only wires: Telegram bridge, theme, i18n, API client, real-time factory, then the app.

/** localStorage may be missing or throw on access (storage disabled); the app then works without it. */
function localStore(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const launch = parseLaunchParams(window.location.hash);
function telegramBridge(): TelegramBridge {
  const browser = () =>
    createBrowserBridge(launch, {
      confirm: (m) => window.confirm(m),
      open: (u) => void window.open(u, '_blank', 'noopener'),
      prefersDark: () => matchMedia('(prefers-color-scheme: dark)').matches,
      storage: localStore(),
      href: window.location.href,
    });
  if (!inTelegramClient(launch, window)) return browser();
  try {
    return createSdkBridge(launch, localStore());
  } catch (err) {
    console.warn('tetatet: the Mini Apps SDK did not start; running as in a browser:', err);
    return browser(); // the SDK refused these launch parameters: run as in a browser
  }
}
const telegram = telegramBridge();
// Only the SDK bridge started the SDK; in a browser full-screen does nothing.
const fullscreen = telegram.inTelegram ? createSdkFullscreen(launch) : noFullscreen;

const paint = () => {
  const scheme = telegram.colorScheme();
  applyTheme(document.documentElement, themeToCssVars(telegram.themeParams(), scheme), scheme);
};
paint();
telegram.onThemeChanged(paint);

const i18n = createI18n(pickLocale(telegram.languageCode));
document.documentElement.lang = i18n.locale;

let expire = () => {};
const api = createApiClient({ initData: telegram.initData, onUnauthorized: () => expire() });
const app = useApp({
  api,
  telegram,
  t: i18n.t,
  realtime: (config) => createRealtime(resolveWsUrl(config.centrifugo_ws_url, window.location), api),
  onConfig: (config) => mountAds(config, document),
  memory: createRoomMemory(localStore()),
  outboxStore: localStore(),
  ratingStore: localStore(),
  recorderEnv: browserRecorderEnv(),
  widenAfterMs: widenAfterFromQuery(window.location.search),
});
expire = () => app.expireSession();

createApp(App, { app }).provide(i18nKey, i18n).provide(fullscreenKey, fullscreen).mount('#app');
telegram.ready();
void app.boot();
