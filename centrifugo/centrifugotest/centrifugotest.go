// Package centrifugotest starts a real Centrifugo server (the pinned v6
// binary), configured from the committed centrifugo/config.json, on free
// loopback ports for a test, and stops it when the test ends. It never
// touches a Centrifugo it did not start.
package centrifugotest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tetatet/tetatet/centrifugo"
)

// Options changes the test server. Zero values are fine.
type Options struct {
	// RedisAddrs switches to the Redis engine (host:port each). Several
	// addresses shard channels over several Redis instances, as deployed.
	RedisAddrs []string
	// RedisAddr is shorthand for one Redis (RedisAddrs with one entry).
	RedisAddr string
	// Name is the node name (several nodes on one Redis).
	Name string
	// AllowedOrigins for browser clients.
	AllowedOrigins []string
	// Settings are applied last, as dotted v6 config keys
	// (centrifugo.ServerConfig), e.g. {"client.queue_max_size": 65536}.
	Settings map[string]any
	// Env is added to the server's environment last (e.g. "GOGC=100" to
	// measure against Go's default).
	Env []string
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
	// ConfigPath is the config file the server runs with.
	ConfigPath string

	t       testing.TB
	env     []string
	bin     string
	cmd     *exec.Cmd
	done    chan struct{}
	logPath string
}

// Start builds (once) and starts a server.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin, err := centrifugo.EnsureBinary()
	if err != nil {
		t.Fatalf("centrifugo binary: %v", err)
	}
	port, internal := FreePort(t), FreePort(t)
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
		// No stray CENTRIFUGO_* from the developer's shell; the runtime
		// settings the product runs Centrifugo with.
		env: append(append([]string{"PATH=" + os.Getenv("PATH")}, centrifugo.ServerEnv()...), opts.Env...),
	}
	settings := map[string]any{
		"http_server.address":          "127.0.0.1",
		"http_server.port":             port,
		"http_server.internal_port":    fmt.Sprint(internal), // a string in v6
		"http_api.key":                 s.APIKey,
		"client.token.hmac_secret_key": s.Secret,
		"admin.password":               s.AdminPass,
		"admin.secret":                 "test-admin-secret",
		"log.level":                    "error",
	}
	if opts.AllowedOrigins != nil {
		settings["client.allowed_origins"] = opts.AllowedOrigins
	}
	shards := opts.RedisAddrs
	if opts.RedisAddr != "" {
		shards = append([]string{opts.RedisAddr}, shards...)
	}
	if len(shards) > 0 {
		urls := make([]string, len(shards))
		for i, a := range shards {
			urls[i] = "redis://" + a
		}
		settings["engine.type"] = "redis"
		settings["engine.redis.address"] = urls
	}
	if opts.Name != "" {
		settings["node.name"] = opts.Name
	}
	for k, v := range opts.Settings {
		settings[k] = v
	}
	cfg, err := centrifugo.ServerConfig(settings)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s.ConfigPath = filepath.Join(dir, "config.json")
	s.logPath = filepath.Join(dir, "centrifugo.log")
	if err := os.WriteFile(s.ConfigPath, cfg, 0o600); err != nil {
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
	cmd := exec.Command(s.bin, "--config", s.ConfigPath)
	cmd.Env = s.env
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
		select {
		case <-done:
			log, _ := os.ReadFile(s.logPath)
			s.t.Fatalf("centrifugo exited at start:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(s.logPath)
			s.t.Fatalf("centrifugo did not become healthy: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// PID is the server process's id (for reading its memory in /proc).
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Log returns what the server has logged so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
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

// Resume starts a server stopped with Stop again, on the same ports and
// config, so a test can act while the node is down.
func (s *Server) Resume() {
	s.t.Helper()
	select {
	case <-s.done:
	default:
		s.t.Fatal("centrifugotest: Resume of a server that is running")
	}
	s.start()
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Process is the running server's process, for tests that signal it (a
// SIGSTOP freezes it as a hung host would).
func (s *Server) Process() *os.Process { return s.cmd.Process }
