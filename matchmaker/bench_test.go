package matchmaker_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/redistest"
)

// fill puts n users in the queue, built by mk(i), with 8 writers.
func fill(b *testing.B, s *matchmaker.Store, n int, mk func(i int) (matchmaker.Profile, matchmaker.Filter)) {
	b.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				p, f := mk(i)
				u, err := s.PutProfile(ctx, int64(1_000_000+i), "en", p)
				if err != nil {
					b.Error(err)
					return
				}
				if res, err := s.Search(ctx, u.ID, f); err != nil || res.State != matchmaker.Waiting {
					b.Errorf("filler %d: %v %v", i, res.State, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkSearch reports search latency (p50/p99 at the Go client,
// including the loopback round trip to a real redis-server) and the longest
// a single script call held Redis (from its slow log), with 10,000 and
// 100,000 users waiting in compositions chosen to be hard: the cost of a
// search must not depend on who else waits.
// Run: make bench (go test -run '^$' -bench Search -benchtime 500x ./matchmaker/)
func BenchmarkSearch(b *testing.B) {
	nick := func(i int) string { return fmt.Sprintf("w%d", i) }
	// The searcher is a 30-year-old man looking for a woman of 18–99.
	// None of these would accept another or the searcher, and none sits in
	// a partition the searcher looks at.
	incompatible := func(i int) (matchmaker.Profile, matchmaker.Filter) {
		switch i % 3 {
		case 0: // girls under 18 who want boys: another pool
			return matchmaker.Profile{Nickname: nick(i), Gender: matchmaker.Female, Age: 16 + i%2}, matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 16, AgeTo: 17}
		case 1: // men of 40+ who want women
			return matchmaker.Profile{Nickname: nick(i), Gender: matchmaker.Male, Age: 40 + i%40}, matchmaker.Filter{Gender: matchmaker.Female, AgeFrom: 18, AgeTo: 99}
		default: // women who want women of 90+
			return matchmaker.Profile{Nickname: nick(i), Gender: matchmaker.Female, Age: 20 + i%60}, matchmaker.Filter{Gender: matchmaker.Female, AgeFrom: 90, AgeTo: 99}
		}
	}
	// Women who would take men but whose age range excludes the searcher:
	// before the index, every one of them was looked at.
	sameBucketWrongAge := func(i int) (matchmaker.Profile, matchmaker.Filter) {
		return matchmaker.Profile{Nickname: nick(i), Gender: matchmaker.Female, Age: 20 + i%60}, matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 40, AgeTo: 99}
	}
	// Women of every age who take men of every age: every one of the 82
	// ages in the searcher's block is filled, and the searcher matches at
	// once. (Women who would take anyone would also fill the 'any'
	// partitions, but they would match each other while the queue fills.)
	allCompatible := func(i int) (matchmaker.Profile, matchmaker.Filter) {
		return matchmaker.Profile{Nickname: nick(i), Gender: matchmaker.Female, Age: 18 + i%82},
			matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 18, AgeTo: 99}
	}
	scenarios := []struct {
		name     string
		mk       func(int) (matchmaker.Profile, matchmaker.Filter)
		matchOne bool // a compatible partner waits (the newest of all)
		matches  bool // the searcher is matched
	}{
		{"incompatible/no_match", incompatible, false, false},
		{"incompatible/match", incompatible, true, true},
		{"same_bucket_wrong_age/no_match", sameBucketWrongAge, false, false},
		{"all_compatible/match", allCompatible, false, true},
	}
	for _, waiting := range []int{10_000, 100_000} {
		for _, sc := range scenarios {
			b.Run(fmt.Sprintf("%dk_%s", waiting/1000, sc.name), func(b *testing.B) {
				ctx := context.Background()
				srv := redistest.Start(b)
				rdb := srv.Client(b)
				s := matchmaker.New(rdb, matchmaker.Config{}, nil)
				fill(b, s, waiting, sc.mk)
				// Redis logs every command of the timed part (the slow log
				// at 0 µs), so how long each script call held it can be
				// read afterwards; the hook times each call at the client.
				timer := newScriptTimer()
				rdb.AddHook(timer)
				rdb.ConfigSet(ctx, "slowlog-log-slower-than", "0")
				rdb.ConfigSet(ctx, "slowlog-max-len", "100000")
				rdb.SlowLogReset(ctx)
				timer.start()
				want := matchmaker.Filter{Gender: matchmaker.Female, AgeFrom: 18, AgeTo: 99}
				lat := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					var partner string
					if sc.matchOne {
						pu, err := s.PutProfile(ctx, int64(5_000_000+i), "en", matchmaker.Profile{Nickname: "partner", Gender: matchmaker.Female, Age: 30})
						if err != nil {
							b.Fatal(err)
						}
						if res, err := s.Search(ctx, pu.ID, matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 25, AgeTo: 35}); err != nil || res.State != matchmaker.Waiting {
							b.Fatalf("partner: %v %v", res.State, err)
						}
						partner = pu.ID
					}
					u, err := s.PutProfile(ctx, int64(9_000_000+i), "en", matchmaker.Profile{Nickname: "searcher", Gender: matchmaker.Male, Age: 30})
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					t0 := time.Now()
					res, err := s.Search(ctx, u.ID, want)
					lat = append(lat, time.Since(t0))
					b.StopTimer()
					if err != nil || (res.State == matchmaker.Matched) != sc.matches {
						b.Fatalf("iteration %d: search: %v %v", i, res.State, err)
					}
					if sc.matchOne {
						if _, p, _ := res.Room.Side(u.ID); p.UserID != partner {
							b.Fatal("matched the wrong partner")
						}
					} else if !sc.matches {
						if err := s.CancelSearch(ctx, u.ID); err != nil {
							b.Fatal(err)
						}
					}
					b.StartTimer()
				}
				b.StopTimer()
				timer.stop()
				slices.Sort(lat)
				q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
				b.ReportMetric(q(0.50), "p50-µs")
				b.ReportMetric(q(0.99), "p99-µs")
				// The open queue's count for the same filter, as GET
				// /api/queue asks it: its cost must not grow with the queue.
				asker, err := s.PutProfile(ctx, 8_999_999, "en", matchmaker.Profile{Nickname: "asker", Gender: matchmaker.Male, Age: 30})
				if err != nil {
					b.Fatal(err)
				}
				qlat := make([]time.Duration, 0, b.N)
				for i := 0; i < b.N; i++ {
					t0 := time.Now()
					if _, err := s.QueueFor(ctx, asker.ID, want); err != nil {
						b.Fatal(err)
					}
					qlat = append(qlat, time.Since(t0))
				}
				b.ReportMetric(quantile(qlat, 0.99), "queue-p99-µs")
				held := heldRedis(ctx, rdb)
				// The search script's own call: one round trip at the
				// client, and how long it held Redis.
				call := timer.calls("search")
				inRedis := held.scripts["search"]
				if len(call) == 0 || len(inRedis) == 0 {
					b.Fatalf("no search call was timed (client %d, Redis %d)", len(call), len(inRedis))
				}
				b.ReportMetric(quantile(call, 0.99), "call-p99-µs")
				b.ReportMetric(quantile(inRedis, 0.50), "redis-p50-µs")
				b.ReportMetric(quantile(inRedis, 0.99), "redis-p99-µs")
				b.ReportMetric(quantile(inRedis, 1), "redis-max-µs")
				// The longest plain command (no script) in the same time:
				// what the machine alone does to a call of a few µs.
				b.ReportMetric(quantile(held.plain, 1), "plain-max-µs")
				slow, longest, which := held.slow(500 * time.Microsecond)
				b.ReportMetric(float64(slow), "calls>0.5ms")
				b.ReportMetric(float64(longest.Microseconds()), "longest-call-µs")
				if slow > 0 {
					b.Logf("script calls over 0.5 ms in Redis, by script: %v", which)
				}
			})
		}
	}
}

// held is what Redis's slow log (at 0 µs) says the timed part's commands
// took inside Redis: each script call's duration by script name, and every
// plain command's.
type held struct {
	scripts map[string][]time.Duration
	plain   []time.Duration
}

func heldRedis(ctx context.Context, rdb *redis.Client) held {
	names := map[string]string{}
	for name, sc := range matchmaker.Scripts() {
		names[sc.Hash()] = name
	}
	h := held{scripts: map[string][]time.Duration{}}
	logs, _ := rdb.SlowLogGet(ctx, -1).Result()
	for _, l := range logs {
		if len(l.Args) == 0 {
			continue
		}
		cmd := strings.ToLower(l.Args[0])
		switch {
		case (cmd == "evalsha" || cmd == "eval") && len(l.Args) > 1:
			name := names[l.Args[1]]
			if cmd == "eval" {
				name = "eval" // a script's first call on this server
			} else if name == "" {
				name = "other"
			}
			h.scripts[name] = append(h.scripts[name], l.Duration)
		case cmd == "slowlog" || cmd == "config" || cmd == "script":
		default:
			h.plain = append(h.plain, l.Duration)
		}
	}
	return h
}

// slow says how many script calls held Redis longer than limit, the
// longest, and per script how many did and the longest.
func (h held) slow(limit time.Duration) (int, time.Duration, map[string]string) {
	var longest time.Duration
	n := 0
	which := map[string]string{}
	for name, ds := range h.scripts {
		c, worst := 0, time.Duration(0)
		for _, d := range ds {
			longest = max(longest, d)
			if d > limit {
				c++
				worst = max(worst, d)
			}
		}
		if c > 0 {
			n += c
			which[name] = fmt.Sprintf("%d of %d (longest %d µs)", c, len(ds), worst.Microseconds())
		}
	}
	return n, longest, which
}

// quantile is the q-th quantile of ds in µs (q = 1: the largest).
func quantile(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[int(q*float64(len(s)-1))].Microseconds())
}

// scriptTimer is a go-redis hook that times each script call at the client
// (the call's one round trip), by script name, while it is on.
type scriptTimer struct {
	names map[string]string
	mu    sync.Mutex
	on    bool
	lat   map[string][]time.Duration
}

func newScriptTimer() *scriptTimer {
	t := &scriptTimer{names: map[string]string{}, lat: map[string][]time.Duration{}}
	for name, sc := range matchmaker.Scripts() {
		t.names[sc.Hash()] = name
	}
	return t
}

func (t *scriptTimer) start() { t.mu.Lock(); t.on = true; t.mu.Unlock() }
func (t *scriptTimer) stop()  { t.mu.Lock(); t.on = false; t.mu.Unlock() }

func (t *scriptTimer) calls(name string) []time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.lat[name])
}

func (t *scriptTimer) DialHook(next redis.DialHook) redis.DialHook { return next }

func (t *scriptTimer) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (t *scriptTimer) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		t0 := time.Now()
		err := next(ctx, cmd)
		d := time.Since(t0)
		if args := cmd.Args(); len(args) > 1 && strings.EqualFold(cmd.Name(), "evalsha") {
			if sha, ok := args[1].(string); ok {
				t.mu.Lock()
				if t.on {
					t.lat[t.names[sha]] = append(t.lat[t.names[sha]], d)
				}
				t.mu.Unlock()
			}
		}
		return err
	}
}
