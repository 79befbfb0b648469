package api

import (
	"net/http"
	"net/url"
	"strings"
)

// richAdsOrigin serves the RichAds Telegram controller (miniapp/src/ads).
const richAdsOrigin = "https://richinfo.co"

// withSecurityHeaders wraps the Mini App's files. The Content-Security-Policy
// allows scripts only from this origin and Telegram's (plus RichAds when it
// is configured), so even a rendering bug could not run an injected script;
// connections go to this origin and to Centrifugo.
func (s *Server) withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", s.contentSecurityPolicy(r))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) contentSecurityPolicy(r *http.Request) string {
	scripts := []string{"'self'", "https://telegram.org"}
	connect := []string{"'self'", "ws://" + r.Host, "wss://" + r.Host}
	images := []string{"'self'", "data:", "blob:"}
	if u, err := url.Parse(s.cfg.CentrifugoWSURL); err == nil && u.Host != "" {
		connect = append(connect, u.Scheme+"://"+u.Host)
	}
	if s.cfg.RichAdsPubID != "" && s.cfg.RichAdsAppID != "" {
		scripts = append(scripts, richAdsOrigin)
		connect = append(connect, "https:")
		images = append(images, "https:")
	}
	return strings.Join([]string{
		"default-src 'self'",
		"script-src " + strings.Join(scripts, " "),
		"style-src 'self' 'unsafe-inline'", // Telegram's script sets inline styles
		"img-src " + strings.Join(images, " "),
		"connect-src " + strings.Join(connect, " "),
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
	}, "; ")
}
