// Package centrifugotest starts a real Centrifugo server (the pinned v6
// binary), configured from the committed centrifugo/config.json, on free
// loopback ports for a test, and stops it when the test ends. It never
// touches a Centrifugo it did not start.
package centrifugotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker/redistest"
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
	// APIKey is the server API key; by default one of its own. Nodes of one
	// deployment share one.
	APIKey string
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
	s := &Server{
		// Its own API key: the readiness check asks with it, so another
		// test's server on a port chosen for this one does not pass for it.
		APIKey:    "test-api-key-" + randomHex(8),
		Secret:    "test-token-secret-0123456789abcdef",
		AdminPass: "test-admin-password",
		t:         t,
		bin:       bin,
		// No stray CENTRIFUGO_* from the developer's shell; the runtime
		// settings the product runs Centrifugo with.
		env: append(append([]string{"PATH=" + os.Getenv("PATH")}, centrifugo.ServerEnv()...), opts.Env...),
	}
	if opts.APIKey != "" {
		s.APIKey = opts.APIKey
	}
	dir := t.TempDir()
	s.ConfigPath = filepath.Join(dir, "config.json")
	s.logPath = filepath.Join(dir, "centrifugo.log")
	// A port that was free when chosen can be bound by another process (a
	// test package running alongside) before Centrifugo binds it: then it
	// exits at start, and other ports are tried.
	for attempt := 1; ; attempt++ {
		port, internal := freePort(t), freePort(t)
		if err := os.WriteFile(s.ConfigPath, s.config(opts, port, internal), 0o600); err != nil {
			t.Fatal(err)
		}
		err := s.start()
		if err == nil {
			break
		}
		if !errors.Is(err, errPortTaken) || attempt == 3 {
			t.Fatal(err)
		}
		_ = os.Truncate(s.logPath, 0)
	}
	t.Cleanup(s.Stop)
	return s
}

// config sets the server's URLs for these ports and returns its config.
func (s *Server) config(opts Options, port, internal int) []byte {
	s.WSURL = fmt.Sprintf("ws://127.0.0.1:%d/connection/websocket", port)
	s.PublicURL = fmt.Sprintf("http://127.0.0.1:%d", port)
	s.APIURL = fmt.Sprintf("http://127.0.0.1:%d/api", internal)
	s.AdminURL = fmt.Sprintf("http://127.0.0.1:%d", internal)
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
		s.t.Fatal(err)
	}
	return cfg
}

// errPortTaken is a start that failed because a port was bound by another
// process.
var errPortTaken = errors.New("centrifugotest: a port is taken")

// start runs the server and waits until it is healthy.
func (s *Server) start() error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, "--config", s.ConfigPath)
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start centrifugo: %w", err)
	}
	s.cmd = cmd
	done := make(chan struct{})
	s.done = done
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := s.ping()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			log := s.Log()
			if strings.Contains(log, "address already in use") {
				return fmt.Errorf("%w: centrifugo exited at start:\n%s", errPortTaken, log)
			}
			return fmt.Errorf("centrifugo exited at start:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("centrifugo did not become healthy: %v\n%s", err, s.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ping is an API call made with the server's own key (Publisher.Ping): a
// 401 from another server on the port is not an answer, nor a port that
// accepts and never answers (1 s).
func (s *Server) ping() error {
	pub, err := centrifugo.NewPublisher(s.APIURL, s.APIKey, time.Second, 1)
	if err != nil {
		return err
	}
	defer pub.Close()
	return pub.Ping(context.Background())
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
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
	if err := s.start(); err != nil {
		s.t.Fatal(err)
	}
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
	if err := s.start(); err != nil {
		s.t.Fatal(err)
	}
}

// freePort is how Start chooses its ports (a test takes one first).
var freePort = redistest.FreePort

// Process is the running server's process, for tests that signal it (a
// SIGSTOP freezes it as a hung host would).
func (s *Server) Process() *os.Process { return s.cmd.Process }
