/**
 * resolveWsUrl turns the configured Centrifugo URL into an absolute WebSocket URL.
 * A path ("/connection/websocket") is resolved against the page, with wss on https pages.
 */
export function resolveWsUrl(configured: string, page: { protocol: string; host: string }): string {
  if (configured.startsWith('/')) {
    const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${page.host}${configured}`;
  }
  return configured;
}
