package miniapp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetatet/tetatet/miniapp"
)

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

type want struct {
	status      int
	body        string // substring; empty means not checked
	cache       string
	contentType string // prefix; empty means not checked
}

func check(t *testing.T, h http.Handler, method, target string, w want) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != w.status {
		t.Fatalf("%s %s: status %d, want %d (body %q)", method, target, res.StatusCode, w.status, body)
	}
	if w.body != "" && !strings.Contains(string(body), w.body) {
		t.Errorf("%s %s: body %q does not contain %q", method, target, body, w.body)
	}
	if method == http.MethodHead && len(body) != 0 {
		t.Errorf("HEAD %s: got a body of %d bytes", target, len(body))
	}
	if got := res.Header.Get("Cache-Control"); w.cache != "" && got != w.cache {
		t.Errorf("%s %s: Cache-Control %q, want %q", method, target, got, w.cache)
	}
	if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, w.contentType) {
		t.Errorf("%s %s: Content-Type %q, want prefix %q", method, target, got, w.contentType)
	}
}

func TestHandlerServesBuild(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "index.html", "<!doctype html><title>built app</title>")
	writeFile(t, dir, "assets/index-AbC123.js", "console.log('app')")
	writeFile(t, dir, "assets/index-AbC123.css", "body{}")
	writeFile(t, dir, "robots.txt", "User-agent: *")
	writeFile(t, dir, ".env", "SECRET=1")
	h := miniapp.Handler(dir)

	const index = "built app"
	tests := []struct {
		method, target string
		want           want
	}{
		{"GET", "/", want{200, index, "no-cache", "text/html"}},
		{"GET", "/index.html", want{200, index, "no-cache", "text/html"}},
		{"HEAD", "/", want{200, "", "no-cache", "text/html"}},
		{"GET", "/chat", want{200, index, "no-cache", "text/html"}},
		{"GET", "/some/deep/route", want{200, index, "no-cache", "text/html"}},
		{"GET", "/assets", want{200, index, "no-cache", "text/html"}},
		{"GET", "/assets/index-AbC123.js", want{200, "console.log", "public, max-age=31536000, immutable", "text/javascript"}},
		{"GET", "/assets/index-AbC123.css", want{200, "body{}", "public, max-age=31536000, immutable", "text/css"}},
		{"GET", "/robots.txt", want{200, "User-agent", "no-cache", "text/plain"}},
		{"GET", "/assets/missing-123.js", want{404, "", "", ""}},
		{"GET", "/favicon.ico", want{404, "", "", ""}},
		{"GET", "/.env", want{404, "", "", ""}},
		{"GET", "/../../etc/passwd", want{200, index, "no-cache", "text/html"}},
		{"POST", "/", want{405, "", "", ""}},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			check(t, h, tc.method, tc.target, tc.want)
		})
	}
}

func TestHandlerPlaceholderWithoutBuild(t *testing.T) {
	empty := t.TempDir()
	missing := filepath.Join(t.TempDir(), "dist")
	const hint = "npm ci &amp;&amp; npm run build"

	for _, dir := range []string{empty, missing} {
		h := miniapp.Handler(dir)
		tests := []struct {
			method, target string
			want           want
		}{
			{"GET", "/", want{200, hint, "no-store", "text/html"}},
			{"GET", "/chat", want{200, "make run", "no-store", "text/html"}},
			{"HEAD", "/index.html", want{200, "", "no-store", "text/html"}},
			{"GET", "/assets/index-AbC123.js", want{404, "", "", ""}},
		}
		for _, tc := range tests {
			t.Run(filepath.Base(dir)+" "+tc.method+" "+tc.target, func(t *testing.T) {
				check(t, h, tc.method, tc.target, tc.want)
			})
		}
	}
}

func TestHandlerPicksUpALaterBuild(t *testing.T) {
	dir := t.TempDir()
	h := miniapp.Handler(dir)
	check(t, h, "GET", "/", want{200, "not built", "no-store", "text/html"})
	writeFile(t, dir, "index.html", "<title>fresh build</title>")
	check(t, h, "GET", "/", want{200, "fresh build", "no-cache", "text/html"})
}

func cspOf(t *testing.T, h http.Handler, target string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", target, nil)
	req.Host = "app.example"
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Header().Get("Content-Security-Policy")
}

func TestHandlerPolicy(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "index.html", "<title>app</title>")
	writeFile(t, dir, "ads.html", "<title>ads</title>")
	writeFile(t, dir, "ads-init.js", "start()")

	for _, tc := range []struct {
		name      string
		opts      []miniapp.Option
		appHas    []string
		appHasNot []string
		adsServed bool
		adsHas    []string
		adsHasNot []string
	}{
		{name: "no policy: none set here, no ads frame", adsServed: false},
		{
			name:      "same-origin Centrifugo, no ads",
			opts:      []miniapp.Option{miniapp.WithPolicy(miniapp.Policy{CentrifugoWSURL: "/connection/websocket"})},
			appHas:    []string{"script-src 'self';", "connect-src 'self' ws://app.example wss://app.example;", "object-src 'none'", "img-src 'self' data: blob:;", "media-src 'self' blob:;"},
			appHasNot: []string{"telegram.org", "richinfo", "https:"},
		},
		{
			name:      "Centrifugo on its own origin, RichAds on: ads only in their frame",
			opts:      []miniapp.Option{miniapp.WithPolicy(miniapp.Policy{CentrifugoWSURL: "wss://rt.example/connection/websocket", RichAds: true})},
			appHas:    []string{"script-src 'self';", "wss://rt.example;", "frame-src 'self'"},
			appHasNot: []string{"richinfo", "https:"},
			adsServed: true,
			adsHas:    []string{"default-src 'none'", "script-src 'self' http://app.example https://richinfo.co", "connect-src https:"},
			adsHasNot: []string{"ws://", "wss://"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := miniapp.Handler(dir, tc.opts...)
			_, app := cspOf(t, h, "/")
			if len(tc.opts) == 0 && app != "" {
				t.Fatalf("CSP %q without a policy", app)
			}
			for _, w := range tc.appHas {
				if !strings.Contains(app, w) {
					t.Errorf("app CSP %q lacks %q", app, w)
				}
			}
			for _, w := range tc.appHasNot {
				if strings.Contains(app, w) {
					t.Errorf("app CSP %q has %q", app, w)
				}
			}
			for _, f := range []string{"/ads.html", "/ads-init.js"} {
				code, ads := cspOf(t, h, f)
				if (code == http.StatusOK) != tc.adsServed {
					t.Fatalf("GET %s = %d; want served=%v", f, code, tc.adsServed)
				}
				for _, w := range tc.adsHas {
					if !strings.Contains(ads, w) {
						t.Errorf("%s CSP %q lacks %q", f, ads, w)
					}
				}
				for _, w := range tc.adsHasNot {
					if strings.Contains(ads, w) {
						t.Errorf("%s CSP %q has %q", f, ads, w)
					}
				}
			}
		})
	}
}
