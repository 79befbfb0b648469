package api

import "net/http"

// withSecurityHeaders wraps everything outside /api (the Mini App's files,
// served by miniapp.Handler, which sets the app's Content-Security-Policy).
func (s *Server) withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
