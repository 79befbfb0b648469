package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// redisStore is the Redis of this run: one given by REDIS_URL, a
// redis-server the runner started, or an embedded in-memory one.
type redisStore struct {
	// URL is what the API and the bot connect to: for a redis-server the
	// runner started, its Unix socket (TCPURL when the path is too long).
	URL string
	// TCPURL is the loopback TCP address of a redis-server the runner
	// started, for redis-cli and other tools.
	TCPURL string
	// Desc says which, for the banner.
	Desc string
	// Persistent is false for the embedded Redis.
	Persistent bool

	server   *child
	embedded *miniredis.Miniredis
}

// startRedis picks the Redis: REDIS_URL when set, else a real redis-server
// on a free loopback port with its data in stateDir/redis (append-only file
// on), else miniredis in this process, which keeps nothing.
func startRedis(ctx context.Context, cfg Config) (*redisStore, error) {
	if cfg.RedisURL != "" {
		if err := pingRedis(ctx, cfg.RedisURL); err != nil {
			return nil, fmt.Errorf("REDIS_URL does not answer: %w", err)
		}
		return &redisStore{URL: cfg.RedisURL, Desc: "REDIS_URL " + redactURL(cfg.RedisURL), Persistent: true}, nil
	}
	if bin, err := exec.LookPath("redis-server"); err == nil {
		return retryOnTakenPort(func() (*redisStore, error) { return startRedisServer(ctx, bin, cfg.StateDir) })
	}
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("embedded redis: %w", err)
	}
	url := "redis://" + m.Addr() + "/0"
	return &redisStore{URL: url, Desc: "EMBEDDED in-memory Redis (miniredis) at " + url + ", NOT PERSISTENT", embedded: m}, nil
}

func startRedisServer(ctx context.Context, bin, stateDir string) (*redisStore, error) {
	dir := filepath.Join(stateDir, "redis")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	tcpURL := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	args := []string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--protected-mode", "yes",
		"--dir", dir, "--appendonly", "yes", "--save", "3600 1 300 100 60 10000",
		"--daemonize", "no", "--loglevel", "notice"}
	// The API and the bot reach it over a Unix socket in its data
	// directory: on one machine a command costs less CPU there than over
	// loopback TCP. The TCP port stays, for redis-cli and other tools.
	url := tcpURL
	if sock, ok := unixSocketPath(dir); ok {
		args = append(args, "--unixsocket", sock, "--unixsocketperm", "700")
		url = "unix://" + sock + "?db=0"
	}
	c, err := startChild("redis-server", filepath.Join(stateDir, "redis.log"), nil, append([]string{bin}, args...)...)
	if err != nil {
		return nil, err
	}
	// Ready when this child answers: another redis-server on the port (it
	// was taken after freePort chose it) is not ours, and ours exits.
	ready := func(ctx context.Context) error {
		if err := redisIs(ctx, tcpURL, c.PID()); err != nil || url == tcpURL {
			return err
		}
		return redisIs(ctx, url, c.PID()) // and on its socket
	}
	if err := waitReady(ctx, c, 10*time.Second, ready); err != nil {
		c.stop(time.Second)
		return nil, err
	}
	at := url
	if url != tcpURL {
		at += " (and " + tcpURL + ")"
	}
	return &redisStore{URL: url, TCPURL: tcpURL, Desc: fmt.Sprintf("redis-server (pid %d) at %s, data in %s", c.PID(), at, dir),
		Persistent: true, server: c}, nil
}

// unixSocketPath is where the runner's redis-server listens in dir, as an
// absolute path; ok is false when that path is too long for a Unix socket
// address (108 bytes on Linux), and the runner then uses TCP alone.
func unixSocketPath(dir string) (string, bool) {
	abs, err := filepath.Abs(filepath.Join(dir, "redis.sock"))
	if err != nil || len(abs) >= 104 {
		return "", false
	}
	return abs, true
}

// Done is closed if a redis-server the runner started exits; nil otherwise.
func (r *redisStore) Done() <-chan struct{} {
	if r.server == nil {
		return nil
	}
	return r.server.Done()
}

// stop shuts down what startRedis started. redis-server saves on SIGTERM.
func (r *redisStore) stop() {
	if r.server != nil {
		r.server.stop(5 * time.Second)
	}
	if r.embedded != nil {
		r.embedded.Close()
	}
}

// redisIs checks that the redis-server answering at url is process pid.
func redisIs(ctx context.Context, url string, pid int) error {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return err
	}
	opt.ContextTimeoutEnabled = true
	c := redis.NewClient(opt)
	defer c.Close()
	info, err := c.InfoMap(ctx, "server").Result()
	if err != nil {
		return err
	}
	if got := info["Server"]["process_id"]; got != strconv.Itoa(pid) {
		return fmt.Errorf("redis-server %s answers at %s, not %d", got, url, pid)
	}
	return nil
}

func pingRedis(ctx context.Context, url string) error {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return err
	}
	opt.ContextTimeoutEnabled = true // a port that accepts and never answers ends the ping at ctx's deadline
	c := redis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return c.Ping(ctx).Err()
}

// redactURL hides a password in a Redis URL.
func redactURL(raw string) string {
	opt, err := redis.ParseURL(raw)
	if err != nil || opt.Password == "" {
		return raw
	}
	if opt.Network == "unix" {
		return fmt.Sprintf("unix://%s?db=%d (password hidden)", opt.Addr, opt.DB)
	}
	return fmt.Sprintf("redis://%s/%d (password hidden)", opt.Addr, opt.DB)
}

// freePort is how the runner chooses a port for a child (a test takes one
// first).
var freePort = chooseFreePort

// chooseFreePort returns a loopback TCP port that was free a moment ago.
// Another process may take it before the child binds it: the child then
// exits at start and the runner tries other ports (retryOnTakenPort).
func chooseFreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
