// A stand-in for the Telegram client around a Mini App (the iOS/Android app
// side of the Mini Apps protocol). Injected before the page loads, it defines
// window.TelegramWebviewProxy.postEvent, the way Telegram's mobile apps do,
// answers the requests the Mini Apps SDK makes (theme, viewport, safe areas,
// popups, CloudStorage, DeviceStorage, home screen), and records every call in
// window.__tg so the browser test can check BackButton, haptics, closing
// confirmation, swipes and popups. Answers come back through
// window.Telegram.WebView.receiveEvent, as from a real client.
//
// window.__tg.pressBack() presses Telegram's Back button;
// window.__tg.popupAnswers is a queue of button ids for the next popups
// (default "ok").

/** Telegram's own palettes (what its apps send as theme_params). */
export const themes = {
  light: {
    bg_color: '#ffffff',
    text_color: '#000000',
    hint_color: '#707579',
    link_color: '#3390ec',
    button_color: '#3390ec',
    button_text_color: '#ffffff',
    secondary_bg_color: '#f4f4f5',
    destructive_text_color: '#e53935',
  },
  dark: {
    bg_color: '#17212b',
    text_color: '#f5f5f5',
    hint_color: '#708499',
    link_color: '#6ab3f3',
    button_color: '#5288c1',
    button_text_color: '#ffffff',
    secondary_bg_color: '#232e3c',
    destructive_text_color: '#ef5b5b',
  },
};

/** The iPhone home indicator: the composer must stay above it. */
export const SAFE_AREA_BOTTOM = 34;

/** launchHash is the URL fragment Telegram opens a Mini App with. */
export function launchHash({ initData, theme, platform = 'ios', version = '8.0' }) {
  const p = new URLSearchParams();
  p.set('tgWebAppData', initData);
  p.set('tgWebAppVersion', version);
  p.set('tgWebAppPlatform', platform);
  p.set('tgWebAppThemeParams', JSON.stringify(themes[theme]));
  return '#' + p.toString();
}

/** telegramClient returns the init script for a page (see the header). */
export function telegramClient({ theme }) {
  const cfg = JSON.stringify({ theme: themes[theme], safeBottom: SAFE_AREA_BOTTOM });
  return `(() => {
  const cfg = ${cfg};
  const tg = {
    calls: [],
    backVisible: false,
    closingConfirmation: false,
    verticalSwipes: true,
    popups: [],
    popupAnswers: [],
    links: [],
    pressBack() { send('back_button_pressed'); },
  };
  window.__tg = tg;
  const store = (kind) => ({
    get: (k) => localStorage.getItem('__tg_' + kind + ':' + k),
    set: (k, v) => (v === null ? localStorage.removeItem('__tg_' + kind + ':' + k) : localStorage.setItem('__tg_' + kind + ':' + k, v)),
  });
  const cloud = store('cloud');
  const device = store('device');
  function send(eventType, eventData) {
    setTimeout(() => {
      const wv = window.Telegram && window.Telegram.WebView;
      if (wv && typeof wv.receiveEvent === 'function') wv.receiveEvent(eventType, eventData);
    }, 0);
  }
  const answers = {
    web_app_request_theme: () => send('theme_changed', { theme_params: cfg.theme }),
    web_app_request_viewport: () =>
      send('viewport_changed', { height: window.innerHeight, width: window.innerWidth, is_expanded: true, is_state_stable: true }),
    web_app_request_safe_area: () => send('safe_area_changed', { top: 0, bottom: cfg.safeBottom, left: 0, right: 0 }),
    web_app_request_content_safe_area: () => send('content_safe_area_changed', { top: 0, bottom: 0, left: 0, right: 0 }),
    web_app_setup_back_button: (d) => { tg.backVisible = !!d.is_visible; },
    web_app_setup_closing_behavior: (d) => { tg.closingConfirmation = !!d.need_confirmation; },
    web_app_setup_swipe_behavior: (d) => { tg.verticalSwipes = !!d.allow_vertical_swipe; },
    web_app_open_link: (d) => { tg.links.push(d.url); },
    web_app_open_popup: (d) => {
      tg.popups.push(d.message);
      send('popup_closed', { button_id: tg.popupAnswers.length ? tg.popupAnswers.shift() : 'ok' });
    },
    web_app_check_home_screen: () => send('home_screen_checked', { status: 'missed' }),
    web_app_invoke_custom_method: (d) => {
      let result = null;
      if (d.method === 'getStorageValues') {
        result = {};
        for (const k of d.params.keys) result[k] = cloud.get(k) ?? '';
      } else if (d.method === 'saveStorageValue') {
        cloud.set(d.params.key, d.params.value);
        result = true;
      } else if (d.method === 'getStorageKeys') {
        result = [];
      }
      send('custom_method_invoked', { req_id: d.req_id, result });
    },
    web_app_device_storage_get_key: (d) => send('device_storage_key_received', { req_id: d.req_id, value: device.get(d.key) }),
    web_app_device_storage_save_key: (d) => { device.set(d.key, d.value); send('device_storage_key_saved', { req_id: d.req_id }); },
  };
  // The keyboard opening (or any resize) is told to the app, as Telegram's apps do.
  window.addEventListener('resize', () =>
    send('viewport_changed', { height: window.innerHeight, width: window.innerWidth, is_expanded: true, is_state_stable: true }),
  );
  window.TelegramWebviewProxy = {
    postEvent(eventType, json) {
      const data = json ? JSON.parse(json) : {};
      tg.calls.push({ name: eventType, data });
      const answer = answers[eventType];
      if (answer) answer(data || {});
    },
  };
})();`;
}
