// Starts the RichAds controller inside the sandboxed ads frame (ads.html)
// with the ids from the fragment. A separate file: the frame's policy allows
// no inline script.
(function () {
  var p = new URLSearchParams(location.hash.slice(1));
  var pubId = p.get('pub');
  var appId = p.get('app');
  if (!pubId || !appId) return;
  function start() {
    if (window.TelegramAdsController) new window.TelegramAdsController().initialize({ pubId: pubId, appId: appId });
  }
  var s = document.querySelector('script[src*="richinfo.co"]');
  if (window.TelegramAdsController) start();
  else if (s) s.addEventListener('load', start);
})();
