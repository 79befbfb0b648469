// Package miniapp serves the built Telegram Mini App (the Vue project in this
// folder, built into dist/). It only serves static files: it never reads init
// data or talks to the API, and it needs nothing but the standard library, so a
// fresh clone without Node still compiles and shows a page explaining the build.
//
// With a Policy it also sends the Content-Security-Policy that fits what the
// app does: scripts from its own origin only, connections to its own origin
// and the Centrifugo WebSocket, and RichAds (when on) only inside the
// sandboxed ads frame, which has a policy of its own.
package miniapp

import (
	"bytes"
	_ "embed"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"time"
)

//go:embed placeholder.html
var placeholder []byte

const (
	// Vite puts a content hash in every file name under assets/, so they never change.
	immutableCache = "public, max-age=31536000, immutable"
	// index.html names the current hashed assets: always revalidate it.
	revalidate = "no-cache"
)

// RichAdsOrigin serves the RichAds Telegram controller (src/ads, public/ads.html).
const RichAdsOrigin = "https://richinfo.co"

// The ads frame's files (public/ in the Vue project). They are served only
// when RichAds is on, with the frame's own policy.
var adsFiles = map[string]bool{"ads.html": true, "ads-init.js": true}

// Policy is what the served app may reach, for its Content-Security-Policy.
type Policy struct {
	// CentrifugoWSURL is the API's CENTRIFUGO_WS_URL: a path (same origin,
	// proxied by the API) or ws(s)://host/…, whose origin connect-src allows.
	CentrifugoWSURL string
	// RichAds is on when the API's config names a publisher and an app id.
	RichAds bool
}

// Option configures Handler.
type Option func(*handler)

// WithPolicy makes the handler send a Content-Security-Policy for p (it
// replaces one a wrapping handler may have set, since this one knows the
// app). Without it no policy is set here.
func WithPolicy(p Policy) Option {
	return func(h *handler) { h.policy = &p }
}

// Handler serves the app built into dir. Paths without a file extension that
// match no file get index.html, so client-side routes survive a reload. When dir
// has no index.html, every page request gets a placeholder saying how to build
// the app; the check runs per request, so building while the API runs works.
func Handler(dir string, opts ...Option) http.Handler {
	h := &handler{files: os.DirFS(dir)}
	for _, o := range opts {
		o(h)
	}
	return h
}

type handler struct {
	files  fs.FS
	policy *Policy
}

// appPolicy is the app's own: nothing third-party at all. The Mini Apps SDK
// is bundled; the ads frame (same origin, sandboxed) is its only frame;
// media plays only from the app's own blob URLs.
func (p *Policy) appPolicy(r *http.Request) string {
	connect := []string{"'self'", "ws://" + r.Host, "wss://" + r.Host}
	if u, err := url.Parse(p.CentrifugoWSURL); err == nil && u.Host != "" && (u.Scheme == "ws" || u.Scheme == "wss") {
		connect = append(connect, u.Scheme+"://"+u.Host)
	}
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'", // Vue binds inline styles (the list's swipe offset)
		// Photos and voice messages are fetched with the Authorization header
		// and shown from blob URLs: never from another origin.
		"img-src 'self' data: blob:",
		"media-src 'self' blob:",
		"connect-src " + strings.Join(connect, " "),
		"frame-src 'self'",
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
	}, "; ")
}

// adsPolicy is the ads frame's: RichAds' script and whatever it loads over
// https, and nothing of the app's (the frame is sandboxed without
// allow-same-origin, so it has an opaque origin besides). 'self' and the
// explicit origin both name the app's host, for ads-init.js, since browsers
// differ on what 'self' means in an opaque-origin document.
func adsPolicy(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self' " + scheme + "://" + r.Host + " " + RichAdsOrigin,
		"connect-src https:",
		"img-src https: data:",
		"style-src https: 'unsafe-inline'",
		"frame-src https:",
		"base-uri 'none'",
		"form-action 'none'",
	}, "; ")
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")

	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if adsFiles[name] {
		if h.policy == nil || !h.policy.RichAds {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Security-Policy", adsPolicy(r))
		h.serveFile(w, r, name)
		return
	}
	if h.policy != nil {
		w.Header().Set("Content-Security-Policy", h.policy.appPolicy(r))
	}
	if name == "" || name == "index.html" {
		h.serveIndex(w, r)
		return
	}
	if hidden(name) {
		http.NotFound(w, r)
		return
	}
	if h.serveFile(w, r, name) {
		return
	}
	if path.Ext(name) != "" {
		http.NotFound(w, r)
		return
	}
	h.serveIndex(w, r)
}

// hidden reports dotfiles and dot-directories, which are never part of a build.
func hidden(name string) bool {
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") {
			return true
		}
	}
	return false
}

// serveFile serves a regular file from the build and reports whether there was one.
func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, name string) bool {
	f, err := h.files.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	content, ok := f.(io.ReadSeeker)
	if !ok {
		data, err := io.ReadAll(f)
		if err != nil {
			http.Error(w, "read error", http.StatusInternalServerError)
			return true
		}
		content = bytes.NewReader(data)
	}
	if strings.HasPrefix(name, "assets/") {
		w.Header().Set("Cache-Control", immutableCache)
	} else {
		w.Header().Set("Cache-Control", revalidate)
	}
	http.ServeContent(w, r, info.Name(), info.ModTime(), content)
	return true
}

func (h *handler) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	data, err := fs.ReadFile(h.files, "index.html")
	if errors.Is(err, fs.ErrNotExist) {
		w.Header().Set("Cache-Control", "no-store")
		http.ServeContent(w, r, "placeholder.html", time.Time{}, bytes.NewReader(placeholder))
		return
	}
	if err != nil {
		http.Error(w, "cannot read index.html", http.StatusInternalServerError)
		return
	}
	var modTime time.Time
	if info, err := fs.Stat(h.files, "index.html"); err == nil {
		modTime = info.ModTime()
	}
	w.Header().Set("Cache-Control", revalidate)
	http.ServeContent(w, r, "index.html", modTime, bytes.NewReader(data))
}
