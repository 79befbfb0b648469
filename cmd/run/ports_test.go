package main

import (
	"context"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/matchmaker/redistest"
)

// takePort makes the nth port freePort chooses (from 1) the given one,
// which another process holds, as happens when a test package running
// alongside binds it between choosing and the child's bind.
func takePort(t *testing.T, nth, port int) {
	t.Helper()
	calls := 0
	freePort = func() (int, error) {
		calls++
		if calls == nth {
			return port, nil
		}
		return chooseFreePort()
	}
	t.Cleanup(func() { freePort = chooseFreePort })
}

// takeFirstPort takes the first port freePort chooses with a listener that
// never answers, and returns it.
func takeFirstPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	taken := l.Addr().(*net.TCPAddr).Port
	takePort(t, 1, taken)
	return taken
}

func port(t *testing.T, rawURL string) int {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The runner's redis-server and Centrifugo start on other ports when a port
// chosen for them is taken before they bind it, instead of failing the run.
func TestChildrenStartWhenAChosenPortIsTaken(t *testing.T) {
	redistest.Require(t, "redis-server", "apt-get install -y redis-server")
	ctx := context.Background()

	t.Run("redis-server", func(t *testing.T) {
		taken := takeFirstPort(t)
		r, err := startRedis(ctx, Config{StateDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		defer r.stop()
		if r.server == nil {
			t.Fatalf("started %s, not a redis-server", r.Desc)
		}
		if strings.Contains(r.TCPURL, ":"+strconv.Itoa(taken)+"/") {
			t.Fatalf("redis at %s, the taken port", r.TCPURL)
		}
		if err := pingRedis(ctx, r.URL); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("centrifugo", func(t *testing.T) {
		taken := takeFirstPort(t)
		c, err := startCentrifugo(ctx, t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.stop(5 * time.Second)
		if strings.HasSuffix(c.PublicURL, ":"+strconv.Itoa(taken)) {
			t.Fatalf("centrifugo at %s, the taken port", c.PublicURL)
		}
		if err := c.answers(ctx); err != nil {
			t.Fatal(err)
		}
	})
	// Another of the same kind on the port answers the readiness check
	// unless the check asks who it is.
	t.Run("another redis-server", func(t *testing.T) {
		other, err := startRedis(ctx, Config{StateDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		defer other.stop()
		takePort(t, 1, port(t, other.TCPURL))
		r, err := startRedis(ctx, Config{StateDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		defer r.stop()
		if r.TCPURL == other.TCPURL {
			t.Fatalf("the run's redis is the other one at %s", r.TCPURL)
		}
		if err := redisIs(ctx, r.URL, r.server.PID()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("another centrifugo", func(t *testing.T) {
		other, err := startCentrifugo(ctx, t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer other.stop(5 * time.Second)
		takePort(t, 2, port(t, other.APIURL)) // the internal port
		c, err := startCentrifugo(ctx, t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.stop(5 * time.Second)
		if c.APIURL == other.APIURL {
			t.Fatalf("the run's centrifugo is the other one at %s", c.APIURL)
		}
		if err := c.answers(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// The runner's redis-server takes the API's and the bot's commands on a
// Unix socket in its data directory, and keeps its TCP port for tools; a
// state directory too deep for a socket address leaves TCP alone.
func TestRunnerRedisListensOnAUnixSocket(t *testing.T) {
	redistest.Require(t, "redis-server", "apt-get install -y redis-server")
	ctx := context.Background()
	dir := t.TempDir()
	r, err := startRedis(ctx, Config{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer r.stop()
	sock := filepath.Join(dir, "redis", "redis.sock")
	if want := "unix://" + sock + "?db=0"; r.URL != want {
		t.Fatalf("URL %s; want %s", r.URL, want)
	}
	for _, u := range []string{r.URL, r.TCPURL} {
		if err := redisIs(ctx, u, r.server.PID()); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
	}

	deep := filepath.Join(t.TempDir(), strings.Repeat("d", 100))
	r2, err := startRedis(ctx, Config{StateDir: deep})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.stop()
	if r2.URL != r2.TCPURL || !strings.HasPrefix(r2.URL, "redis://127.0.0.1:") {
		t.Fatalf("URL %s, TCP %s; want the TCP address alone", r2.URL, r2.TCPURL)
	}
	if err := redisIs(ctx, r2.URL, r2.server.PID()); err != nil {
		t.Fatal(err)
	}
}
