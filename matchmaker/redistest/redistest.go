// Package redistest starts a real redis-server on a free loopback port for a
// test and stops it when the test ends. It never falls back to a fake: when
// redis-server is missing the test fails under CI=true and is skipped
// elsewhere with the install command.
package redistest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/matchmaker"
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

// freePort is how Start and StartCluster choose ports (a test takes one
// first).
var freePort = FreePort

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	return FreePorts(t, 1)[0]
}

// FreePorts returns n distinct loopback TCP ports that were free a moment
// ago. They are drawn at random from ports the kernel never hands out by
// itself (below net.ipv4.ip_local_port_range, with room for a cluster
// node's bus port, port+10,000, below it too). A port the kernel chose for
// a listen on port 0 could be given to another process's connect or listen
// between this choice and the server's bind (test packages run in
// parallel); one drawn here can be taken only by another draw.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	lo, hi := drawRange()
	ports := make([]int, 0, n)
	for tries := 0; len(ports) < n; tries++ {
		addr := "127.0.0.1:0"
		if hi > lo && tries < 1000 {
			addr = fmt.Sprintf("127.0.0.1:%d", lo+mathrand.IntN(hi-lo))
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			if addr == "127.0.0.1:0" {
				t.Fatalf("free port: %v", err)
			}
			continue // in use: draw again
		}
		defer l.Close() // held until all n are chosen, so they are distinct
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// drawRange is [lo, hi) for FreePorts: 10,000 up to 10,000 below the
// kernel's ephemeral range, at most 20,000 (empty if that range starts too
// low, and then the kernel chooses).
func drawRange() (lo, hi int) {
	lo, hi = 10000, 20000
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if eph, err := strconv.Atoi(f[0]); err == nil {
				hi = min(hi, eph-10000)
			}
		}
	}
	return lo, hi
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
	for attempt := 0; attempt < 3; attempt++ { // a port taken between choosing and binding: try others
		port := freePort(t)
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
	if err := waitReady(s.Addr, cmd.Process.Pid, logf.Name(), 5*time.Second); err != nil {
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

// Client returns a go-redis client for the server, closed at test end. It
// speaks the store's protocol (matchmaker.RedisProtocol).
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, PoolSize: 64, Protocol: matchmaker.RedisProtocol})
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

// errPortTaken is a redis-server that could not bind its port: another
// process took it after FreePort chose it.
var errPortTaken = errors.New("redistest: the port is taken")

// waitReady waits until the redis-server with this pid answers on addr. A
// port taken by another process (another test's redis-server answers there,
// or the log says the bind failed) is errPortTaken.
func waitReady(addr string, pid int, logPath string, d time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	defer c.Close()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		info, err := c.Info(ctx, "server").Result()
		cancel()
		if err == nil {
			if got := infoField(info, "process_id"); got != strconv.Itoa(pid) {
				return fmt.Errorf("%w: redis-server %s answers on %s, not ours (%d)", errPortTaken, got, addr, pid)
			}
			return nil
		}
		if strings.Contains(strings.ToLower(tail(logPath)), "address already in use") {
			return fmt.Errorf("%w: %s", errPortTaken, addr)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// infoField is one "name:value" line of an INFO reply.
func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
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
