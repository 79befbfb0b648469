// Package ads: optional RichAds, isolated. Nothing is loaded unless the
// server's config names both a publisher and an app id. Its script never
// runs in the app's own document: it runs in a sandboxed frame (scripts and
// popups allowed, NOT allow-same-origin), so the frame has an opaque origin
// and cannot read the app's DOM, storage or URL, where the Telegram init
// data (the user's id and name) lives. The frame's page (ads.html) is served
// with its own Content-Security-Policy; the app's policy does not admit
// RichAds at all.
import type { AppConfig } from '../api/types';

export const RICHADS_SCRIPT_URL = 'https://richinfo.co/richpartners/telegram/js/tg-ob.js';
/** The frame page, next to index.html in the build (public/ads.html). */
export const ADS_FRAME_PATH = 'ads.html';
export const ADS_SANDBOX = 'allow-scripts allow-popups allow-popups-to-escape-sandbox';

/**
 * mountAds adds the sandboxed ad frame once; returns whether it did. Only the
 * publisher and app ids go to the frame, in its URL fragment: nothing about
 * the user.
 */
export function mountAds(config: AppConfig, doc: Document): boolean {
  const pubId = config.richads_pub_id?.trim();
  const appId = config.richads_app_id?.trim();
  if (!pubId || !appId || doc.querySelector('iframe[data-ads]')) return false;
  const frame = doc.createElement('iframe');
  frame.dataset.ads = 'richads';
  frame.setAttribute('sandbox', ADS_SANDBOX);
  frame.setAttribute('referrerpolicy', 'no-referrer');
  frame.setAttribute('title', 'ads');
  frame.setAttribute('aria-hidden', 'true');
  frame.tabIndex = -1;
  frame.style.cssText = 'position:fixed;width:0;height:0;border:0;visibility:hidden';
  frame.src = `${ADS_FRAME_PATH}#pub=${encodeURIComponent(pubId)}&app=${encodeURIComponent(appId)}`;
  doc.body.appendChild(frame);
  return true;
}
