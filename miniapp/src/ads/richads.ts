// Package ads: optional RichAds. Nothing is loaded unless the server's config
// names both a publisher and an app id; the app works the same without it.
import type { AppConfig } from '../api/types';

export const RICHADS_SCRIPT_URL = 'https://richinfo.co/richpartners/telegram/js/tg-ob.js';

interface RichAdsController {
  initialize(opts: { pubId: string; appId: string }): void;
}

declare global {
  interface Window {
    TelegramAdsController?: new () => RichAdsController;
  }
}

/** loadRichAds injects the RichAds controller script once and initializes it; returns whether it did. */
export function loadRichAds(config: AppConfig, doc: Document = document): boolean {
  const pubId = config.richads_pub_id?.trim();
  const appId = config.richads_app_id?.trim();
  if (!pubId || !appId || doc.querySelector(`script[src="${RICHADS_SCRIPT_URL}"]`)) return false;
  const script = doc.createElement('script');
  script.src = RICHADS_SCRIPT_URL;
  script.async = true;
  script.onload = () => {
    const Controller = window.TelegramAdsController;
    if (Controller) new Controller().initialize({ pubId, appId });
  };
  doc.head.appendChild(script);
  return true;
}
