// A stand-in for https://telegram.org/js/telegram-web-app.js. It defines the
// window.Telegram.WebApp surface the Mini App uses and records what the app asks
// of it in window.__tg, so the browser test can check BackButton, haptics and
// closing confirmation. window.__tg.setTheme('dark') fires themeChanged.

export const themes = {
  light: {
    bg_color: '#ffffff',
    text_color: '#000000',
    hint_color: '#707579',
    link_color: '#3390ec',
    button_color: '#3390ec',
    button_text_color: '#ffffff',
    secondary_bg_color: '#f4f4f5',
  },
  dark: {
    bg_color: '#17212b',
    text_color: '#f5f5f5',
    hint_color: '#708499',
    link_color: '#6ab3f3',
    button_color: '#5288c1',
    button_text_color: '#ffffff',
    secondary_bg_color: '#232e3c',
  },
};

/** telegramStub returns the JavaScript source served in place of telegram-web-app.js. */
export function telegramStub({ initData, theme = 'light', languageCode = 'en' }) {
  const config = JSON.stringify({ initData, theme, languageCode, themes });
  return `(() => {
  const cfg = ${config};
  const handlers = {};
  const tg = {
    calls: [],
    backVisible: false,
    backHandlers: [],
    closingConfirmation: false,
    setTheme(name) {
      wa.colorScheme = name;
      wa.themeParams = { ...cfg.themes[name] };
      (handlers.themeChanged || []).forEach((cb) => cb());
    },
    pressBack() { tg.backHandlers.slice().forEach((cb) => cb()); },
  };
  const record = (name, ...args) => tg.calls.push({ name, args });
  const wa = {
    initData: cfg.initData,
    initDataUnsafe: { user: { id: 1, first_name: 'Test', language_code: cfg.languageCode } },
    version: '8.0',
    platform: 'tdesktop',
    colorScheme: cfg.theme,
    themeParams: { ...cfg.themes[cfg.theme] },
    isExpanded: true,
    viewportHeight: window.innerHeight,
    viewportStableHeight: window.innerHeight,
    isVersionAtLeast: (v) => parseFloat(v) <= 8.0,
    ready: () => record('ready'),
    expand: () => record('expand'),
    close: () => record('close'),
    enableClosingConfirmation: () => { tg.closingConfirmation = true; record('enableClosingConfirmation'); },
    disableClosingConfirmation: () => { tg.closingConfirmation = false; record('disableClosingConfirmation'); },
    setHeaderColor: (c) => record('setHeaderColor', c),
    setBackgroundColor: (c) => record('setBackgroundColor', c),
    onEvent: (name, cb) => { (handlers[name] = handlers[name] || []).push(cb); },
    offEvent: (name, cb) => { handlers[name] = (handlers[name] || []).filter((h) => h !== cb); },
    showConfirm: (message, cb) => { record('showConfirm', message); setTimeout(() => cb && cb(true), 0); },
    showAlert: (message, cb) => { record('showAlert', message); setTimeout(() => cb && cb(), 0); },
    BackButton: {
      get isVisible() { return tg.backVisible; },
      show() { tg.backVisible = true; record('BackButton.show'); return this; },
      hide() { tg.backVisible = false; record('BackButton.hide'); return this; },
      onClick(cb) { tg.backHandlers.push(cb); return this; },
      offClick(cb) { tg.backHandlers = tg.backHandlers.filter((h) => h !== cb); return this; },
    },
    MainButton: {
      text: '', isVisible: false, isActive: true,
      show() { return this; }, hide() { return this; }, enable() { return this; }, disable() { return this; },
      setText() { return this; }, setParams() { return this; }, onClick() { return this; }, offClick() { return this; },
      showProgress() { return this; }, hideProgress() { return this; },
    },
    SettingsButton: { show() { return this; }, hide() { return this; }, onClick() { return this; }, offClick() { return this; } },
    HapticFeedback: {
      impactOccurred(style) { record('haptic.impact', style); return this; },
      notificationOccurred(type) { record('haptic.notification', type); return this; },
      selectionChanged() { record('haptic.selection'); return this; },
    },
  };
  window.__tg = tg;
  window.Telegram = { WebApp: wa };
})();`;
}
