package matchmaker_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
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
				// Every script call slower than 0.5 ms is logged by Redis.
				rdb.ConfigSet(ctx, "slowlog-log-slower-than", "500")
				rdb.ConfigSet(ctx, "slowlog-max-len", "10000")
				rdb.SlowLogReset(ctx)
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
				slices.Sort(qlat)
				b.ReportMetric(float64(qlat[int(0.99*float64(len(qlat)-1))].Microseconds()), "queue-p99-µs")
				slow, longest, which := slowScripts(ctx, rdb)
				b.ReportMetric(float64(slow), "calls>0.5ms")
				b.ReportMetric(float64(longest.Microseconds()), "longest-call-µs")
				if slow > 0 {
					b.Logf("slow script calls by script: %v", which)
				}
			})
		}
	}
}

// slowScripts reads Redis's slow log: how many script calls took more than
// its threshold, the longest, and how many of the slow ones each script
// made (by name, with the longest of each).
func slowScripts(ctx context.Context, rdb *redis.Client) (int, time.Duration, map[string]string) {
	names := map[string]string{}
	for name, sc := range matchmaker.Scripts() {
		names[sc.Hash()] = name
	}
	logs, _ := rdb.SlowLogGet(ctx, -1).Result()
	var longest time.Duration
	n := 0
	count, worst := map[string]int{}, map[string]time.Duration{}
	for _, l := range logs {
		if len(l.Args) > 1 && (strings.EqualFold(l.Args[0], "evalsha") || strings.EqualFold(l.Args[0], "eval")) {
			n++
			longest = max(longest, l.Duration)
			name := names[l.Args[1]]
			if name == "" {
				name = "other"
			}
			count[name]++
			worst[name] = max(worst[name], l.Duration)
		}
	}
	which := map[string]string{}
	for name, c := range count {
		which[name] = fmt.Sprintf("%d (longest %d µs)", c, worst[name].Microseconds())
	}
	return n, longest, which
}

var _ = strconv.Itoa
