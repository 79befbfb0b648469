// Package miniapp serves the built Telegram Mini App (the Vue project in this
// folder, built into dist/). It only serves static files: it never reads init
// data or talks to the API, and it needs nothing but the standard library, so a
// fresh clone without Node still compiles and shows a page explaining the build.
package miniapp

import (
	"bytes"
	_ "embed"
	"errors"
	"io"
	"io/fs"
	"net/http"
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

// Handler serves the app built into dir. Paths without a file extension that
// match no file get index.html, so client-side routes survive a reload. When dir
// has no index.html, every page request gets a placeholder saying how to build
// the app; the check runs per request, so building while the API runs works.
func Handler(dir string) http.Handler {
	return &handler{files: os.DirFS(dir)}
}

type handler struct {
	files fs.FS
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")

	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
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
