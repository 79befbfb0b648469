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
