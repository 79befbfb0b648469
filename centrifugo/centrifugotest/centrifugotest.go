// Package centrifugotest starts a real Centrifugo v5.4.9 server, configured
// from the committed centrifugo/config.json, on free loopback ports for a
// test, and stops it when the test ends.
package centrifugotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker/redistest"
)

// Options changes the test server. Zero values are fine.
type Options struct {
	// RedisAddr switches to the Redis engine (host:port), for multi-node tests.
	RedisAddr string
	// Name is the node name (several nodes on one Redis).
	Name string
	// AllowedOrigins for browser clients.
	AllowedOrigins []string
}

// Server is a running Centrifugo.
type Server struct {
	WSURL     string // ws://127.0.0.1:port/connection/websocket
	PublicURL string // http://127.0.0.1:port
	APIURL    string // http://127.0.0.1:internal/api
	AdminURL  string // http://127.0.0.1:internal
	APIKey    string
	Secret    string
	AdminPass string

	t          testing.TB
	configPath string
	bin        string
	cmd        *exec.Cmd
	done       chan struct{}
	logPath    string
}

// Start builds (once) and starts a server.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin, err := centrifugo.EnsureBinary()
	if err != nil {
		t.Fatalf("centrifugo binary: %v", err)
	}
	base, err := os.ReadFile(filepath.Join(centrifugo.Dir(), "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(base, &cfg); err != nil {
		t.Fatalf("centrifugo/config.json: %v", err)
	}
	port, internal := redistest.FreePort(t), redistest.FreePort(t)
	s := &Server{
		WSURL:     fmt.Sprintf("ws://127.0.0.1:%d/connection/websocket", port),
		PublicURL: fmt.Sprintf("http://127.0.0.1:%d", port),
		APIURL:    fmt.Sprintf("http://127.0.0.1:%d/api", internal),
		AdminURL:  fmt.Sprintf("http://127.0.0.1:%d", internal),
		APIKey:    "test-api-key",
		Secret:    "test-token-secret-0123456789abcdef",
		AdminPass: "test-admin-password",
		t:         t,
		bin:       bin,
	}
	cfg["address"] = "127.0.0.1"
	cfg["port"] = port
	cfg["internal_port"] = internal
	cfg["api_key"] = s.APIKey
	cfg["token_hmac_secret_key"] = s.Secret
	cfg["admin_password"] = s.AdminPass
	cfg["admin_secret"] = "test-admin-secret"
	cfg["log_level"] = "error"
	if opts.AllowedOrigins != nil {
		cfg["allowed_origins"] = opts.AllowedOrigins
	}
	if opts.RedisAddr != "" {
		cfg["engine"] = "redis"
		cfg["redis_address"] = "redis://" + opts.RedisAddr
	}
	if opts.Name != "" {
		cfg["name"] = opts.Name
	}
	dir := t.TempDir()
	s.configPath = filepath.Join(dir, "config.json")
	s.logPath = filepath.Join(dir, "centrifugo.log")
	b, _ := json.MarshalIndent(cfg, "", "  ")
	if err := os.WriteFile(s.configPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) start() {
	s.t.Helper()
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := exec.Command(s.bin, "--config", s.configPath)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")} // no stray CENTRIFUGO_* from the developer's shell
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start centrifugo: %v", err)
	}
	s.cmd = cmd
	done := make(chan struct{})
	s.done = done
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(s.AdminURL + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(s.logPath)
			s.t.Fatalf("centrifugo did not become healthy: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills the server; safe to call twice.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// Restart stops the server and starts it again on the same ports and
// config (the memory engine loses its history; the Redis engine keeps it).
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// Process is the running server's process, for tests that signal it (a
// SIGSTOP freezes it as a hung host would).
func (s *Server) Process() *os.Process { return s.cmd.Process }
