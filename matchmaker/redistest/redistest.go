// Package redistest starts a real redis-server on a free loopback port for a
// test and stops it when the test ends. It never falls back to a fake: when
// redis-server is missing the test fails under CI=true and is skipped
// elsewhere with the install command.
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Require fails the test under CI=true, or skips it elsewhere, when the named
// binary is not on PATH.
func Require(t testing.TB, bin, install string) string {
	t.Helper()
	path, err := exec.LookPath(bin)
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("%s not found; install it with: %s", bin, install)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Server is a running redis-server.
type Server struct {
	Addr string // host:port
	URL  string // redis://host:port/0
	Dir  string // its data directory
	bin  string
	args []string
	cmd  *exec.Cmd
	logf *os.File
}

// Start runs a fresh redis-server and returns it once it answers PING. It
// saves nothing by itself; SAVE writes Dir/dump.rdb, which Restart loads
// (tests of what a restart or a crash does).
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Require(t, "redis-server", "apt-get install -y redis-server")
	dir := t.TempDir()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port := FreePort(t)
		s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port), Dir: dir, bin: bin,
			args: []string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
				"--dir", dir, "--dbfilename", "dump.rdb", "--daemonize", "no", "--loglevel", "warning"}}
		if lastErr = s.start(); lastErr == nil {
			t.Cleanup(s.Stop)
			return s
		}
	}
	t.Fatalf("redis-server did not start: %v", lastErr)
	return nil
}

func (s *Server) start() error {
	logf, err := os.OpenFile(filepath.Join(s.Dir, "redis-"+s.Addr[strings.LastIndex(s.Addr, ":")+1:]+".log"),
		os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, s.args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start redis-server: %w", err)
	}
	s.cmd, s.logf = cmd, logf
	if err := s.waitReady(5 * time.Second); err != nil {
		s.Stop()
		return fmt.Errorf("%w; log: %s", err, tail(logf.Name()))
	}
	return nil
}

// Restart starts the server again on the same port and data directory
// (after Stop, or a crash); with a dump.rdb in Dir it loads that.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		t.Fatalf("restart redis-server: %v", err)
	}
}

// Client returns a go-redis client for the server, closed at test end.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, PoolSize: 64})
	t.Cleanup(func() { c.Close() })
	return c
}

// Stop kills the server (SIGKILL: like a crash, nothing is saved). Tests
// call it to test failures; it also runs when the test ends.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.logf.Close()
	s.cmd = nil
}

func (s *Server) waitReady(d time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer c.Close()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func tail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > 10 {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
