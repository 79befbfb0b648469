package centrifugo_test

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/centrifugo/centrifugotest"
	"github.com/tetatet/tetatet/matchmaker/redistest"
)

var (
	memUsers    = flag.Int("memusers", 2000, "users BenchmarkMemoryPerConnection connects")
	memGOGC     = flag.String("memgogc", "", "GOGC for the server in BenchmarkMemoryPerConnection (default: centrifugo.ServerGOGC)")
	memMessages = flag.Int("memmessages", 20000, "room publications BenchmarkMemoryPerConnection sends once everyone is connected")
	memSettings = flag.String("memsettings", "", `Centrifugo settings on top of config.json for BenchmarkMemoryPerConnection, as JSON of dotted keys, e.g. '{"websocket.read_buffer_size": 0}'`)
)

// BenchmarkMemoryPerConnection prints what one connected user costs a real
// Centrifugo running the committed config on the Redis engine, as deployed.
// Each user holds one WebSocket with the server-side personal channel of its
// token plus one room subscription (two users per room), and receives a room
// message and a personal push. The figure is the growth of the server's
// resident memory (VmRSS, /proc/<pid>/status) divided by the users, read
// three times: once the server has been idle a few seconds; after its
// garbage collector has run (as it does at least every two minutes in a
// long-running server; it also shrinks oversized goroutine stacks then); and
// after -memmessages room publications, with the server CPU they took. Run:
//
//	go test -run '^$' -bench MemoryPerConnection -benchtime 1x ./centrifugo/ [-memusers 2000] [-memsettings '{...}']
//
// The budget is 30 KB per user (issue 12); this is a number to read, not a
// pass/fail assert. Every user stays connected until the end, so the file
// descriptor limit (20,000 here) bounds -memusers.
func BenchmarkMemoryPerConnection(b *testing.B) {
	n := *memUsers
	settings := map[string]any{"debug.enabled": true} // /debug/pprof runs the collector on request
	if *memSettings != "" {
		if err := json.Unmarshal([]byte(*memSettings), &settings); err != nil {
			b.Fatalf("-memsettings: %v", err)
		}
	}
	broker := redistest.Start(b)
	rdb := broker.Client(b)
	opts := centrifugotest.Options{RedisAddr: broker.Addr, Settings: settings}
	if *memGOGC != "" {
		opts.Env = []string{"GOGC=" + *memGOGC}
	}
	s := centrifugotest.Start(b, opts)
	tokens := centrifugo.NewTokens(s.Secret, time.Hour)
	now := time.Now()
	room := func(i int) string { return centrifugo.RoomChannel(fmt.Sprintf("room-%d", i/2)) }
	user := func(i int) string { return fmt.Sprintf("user-%d", i) }

	connect := func(i int) *centrifugotest.RawClient {
		tok, _, err := tokens.Connection(user(i), "s", now)
		if err != nil {
			b.Fatal(err)
		}
		c := centrifugotest.DialRaw(b, s.WSURL, tok)
		subTok, _, err := tokens.Subscription(user(i), "s", room(i), fmt.Sprintf("m%d", i%2), now)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Subscribe(room(i), subTok, 0, ""); err != nil {
			b.Fatalf("user %d: subscribe %s: %v", i, room(i), err)
		}
		return c
	}
	// One user first, so the figure is per extra user, not the cost of the
	// first connection's pools.
	clients := []*centrifugotest.RawClient{connect(0)}
	before := measure(b, s, rdb)
	start := time.Now()
	for i := 1; i < n; i++ {
		clients = append(clients, connect(i))
	}
	connected := time.Since(start)

	pub, err := centrifugo.NewPublisher(s.APIURL, s.APIKey, 5*time.Second, 0)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < n; i += 2 {
		if _, err := pub.Publish(ctx, room(i), map[string]string{"type": "message", "text": "hello there, how are you?"}, ""); err != nil {
			b.Fatal(err)
		}
	}
	for i := range n {
		if _, err := pub.Publish(ctx, tokens.PersonalChannel(user(i)), map[string]string{"type": "notice"}, ""); err != nil {
			b.Fatal(err)
		}
	}
	for i, c := range clients {
		if _, ok := c.NextPublication(room(i), 10*time.Second); !ok {
			b.Fatalf("user %d: no room message", i)
		}
		if _, ok := c.NextPublication(tokens.PersonalChannel(user(i)), 10*time.Second); !ok {
			b.Fatalf("user %d: no personal push", i)
		}
	}
	after := measure(b, s, rdb)
	per := func(a, b float64) float64 { return (b - a) / float64(n-1) / 1024 }
	idle, collected := per(before.idleRSS, after.idleRSS), per(before.rss, after.rss)
	b.ReportMetric(idle, "KB/user")
	b.ReportMetric(collected, "KB/user_after_gc")
	gogc := centrifugo.ServerGOGC
	if *memGOGC != "" {
		gogc = *memGOGC
	}
	fmt.Printf("centrifugo %s (GOGC=%s), redis engine: %d users (personal + room channel each) connected in %s\n",
		centrifugo.ServerVersion, gogc, n, connected.Round(time.Millisecond))
	fmt.Printf("  RSS per connected user: %.1f KB idle (%.1f -> %.1f MB), %.1f KB after GC (%.1f -> %.1f MB)\n",
		idle, before.idleRSS/(1<<20), after.idleRSS/(1<<20), collected, before.rss/(1<<20), after.rss/(1<<20))
	fmt.Printf("  after GC, per user: %.2f goroutines, %.1f KB stacks, %.1f KB heap in use; broker Redis: %.1f KB\n",
		(after.goroutines-before.goroutines)/float64(n-1), per(before.stacks, after.stacks), per(before.heap, after.heap),
		per(before.redis, after.redis))

	// Chat traffic from four publishers, then memory again: what a node
	// holds while it works, and what the traffic cost in server CPU (the
	// price of a lower GOGC).
	if k := *memMessages; k > 0 {
		cpu0 := cpuTime(b, s.PID())
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := w; j < k; j += 4 {
					_, _ = pub.Publish(ctx, room(2*(j%(n/2))), map[string]string{"type": "message", "text": "hello there, how are you?"}, "")
				}
			}()
		}
		wg.Wait()
		cpu := cpuTime(b, s.PID()) - cpu0
		time.Sleep(2 * time.Second)
		loaded := per(before.idleRSS, lowestRSS(b, s.PID()))
		b.ReportMetric(loaded, "KB/user_after_traffic")
		fmt.Printf("  after %d room publications: %.1f KB RSS per user; %.0f ms server CPU per 1,000 publications\n",
			k, loaded, float64(cpu.Milliseconds())*1000/float64(k))
	}
	for _, c := range clients {
		c.Close()
	}
}

type memory struct {
	idleRSS, rss             float64 // bytes
	goroutines, stacks, heap float64 // the server's Go runtime, after GC
	redis                    float64 // the broker Redis's used_memory
}

// measure waits for the server to go quiet and reads its memory: RSS as it
// is (the lowest of several samples), then RSS and the Go runtime's gauges
// after three collections run through the debug endpoint.
func measure(tb testing.TB, s *centrifugotest.Server, rdb *redis.Client) memory {
	tb.Helper()
	var m memory
	time.Sleep(2 * time.Second)
	m.idleRSS = lowestRSS(tb, s.PID())
	for range 3 {
		resp, err := http.Get(s.AdminURL + "/debug/pprof/heap?gc=1")
		if err != nil {
			tb.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	m.rss = lowestRSS(tb, s.PID())
	g := goMetrics(tb, s)
	m.goroutines, m.stacks, m.heap = g["go_goroutines"], g["go_memstats_stack_inuse_bytes"], g["go_memstats_heap_inuse_bytes"]
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			m.redis, _ = strconv.ParseFloat(v, 64)
		}
	}
	return m
}

// lowestRSS samples VmRSS (/proc/<pid>/status) for a few seconds and returns
// the lowest, in bytes.
func lowestRSS(tb testing.TB, pid int) float64 {
	tb.Helper()
	low := -1.0
	for range 6 {
		if v := rss(tb, pid); low < 0 || v < low {
			low = v
		}
		time.Sleep(500 * time.Millisecond)
	}
	return low
}

// cpuTime is the CPU the process has used (user + system), from /proc/<pid>/stat.
func cpuTime(tb testing.TB, pid int) time.Duration {
	tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(b), ") ") // the command name may hold spaces
	f := strings.Fields(rest)
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * (time.Second / 100) // USER_HZ is 100 on Linux
}

func rss(tb testing.TB, pid int) float64 {
	tb.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb * 1024
		}
	}
	tb.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// goMetrics reads the Go runtime gauges from the server's Prometheus
// endpoint, to say where the memory goes (stacks, heap).
func goMetrics(tb testing.TB, s *centrifugotest.Server) map[string]float64 {
	tb.Helper()
	resp, err := http.Get(s.AdminURL + "/metrics")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || !strings.HasPrefix(name, "go_") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			out[name] = v
		}
	}
	return out
}
