package matchmaker_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tetatet/tetatet/matchmaker"
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

// BenchmarkSearch reports search latency (p50/p99, measured at the Go
// client, including the loopback round trip to a real redis-server) with
// 10,000 users waiting. Run: go test -run '^$' -bench Search -benchtime 2000x ./matchmaker/
func BenchmarkSearch(b *testing.B) {
	const waiting = 10_000
	nick := func(i int) string { return fmt.Sprintf("w%d", i) }
	// The searcher is a 30-year-old man looking for a woman of 18–99.
	// None of these would accept another or the searcher, and none sits in
	// a set the searcher looks at (adult women who take men or anyone).
	incompatibleBuckets := func(i int) (matchmaker.Profile, matchmaker.Filter) {
		switch i % 3 {
		case 0: // girls under 18 who want boys: another pool
			return matchmaker.Profile{Nickname: nick(i), Gender: matchmaker.Female, Age: 16 + i%2}, matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 16, AgeTo: 17}
		case 1: // men of 40+ who want women
			return matchmaker.Profile{Nickname: nick(i), Gender: matchmaker.Male, Age: 40 + i%40}, matchmaker.Filter{Gender: matchmaker.Female, AgeFrom: 18, AgeTo: 99}
		default: // women who want women of 90+
			return matchmaker.Profile{Nickname: nick(i), Gender: matchmaker.Female, Age: 20 + i%60}, matchmaker.Filter{Gender: matchmaker.Female, AgeFrom: 90, AgeTo: 99}
		}
	}
	// Worst case: women who would take the searcher's bucket but whose age
	// range excludes him, so every one of them is looked at.
	sameBucketWrongAge := func(i int) (matchmaker.Profile, matchmaker.Filter) {
		return matchmaker.Profile{Nickname: nick(i), Gender: matchmaker.Female, Age: 20 + i%60}, matchmaker.Filter{Gender: matchmaker.Male, AgeFrom: 40, AgeTo: 99}
	}
	scenarios := []struct {
		name     string
		mk       func(int) (matchmaker.Profile, matchmaker.Filter)
		matchOne bool // a compatible partner waits (at the back of the queue)
	}{
		{"10k_incompatible_buckets/no_match", incompatibleBuckets, false},
		{"10k_incompatible_buckets/match", incompatibleBuckets, true},
		{"10k_same_bucket_wrong_age/no_match", sameBucketWrongAge, false},
	}
	for _, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			ctx := context.Background()
			s := newStoreB(b)
			fill(b, s, waiting, sc.mk)
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
				if err != nil || (res.State == matchmaker.Matched) != sc.matchOne {
					b.Fatalf("iteration %d: search: %v %v", i, res.State, err)
				}
				if sc.matchOne {
					if _, p, _ := res.Room.Side(u.ID); p.UserID != partner {
						b.Fatal("matched the wrong partner")
					}
				} else if err := s.CancelSearch(ctx, u.ID); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.StopTimer()
			slices.Sort(lat)
			q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
			b.ReportMetric(q(0.50), "p50-µs")
			b.ReportMetric(q(0.99), "p99-µs")
		})
	}
}

func newStoreB(b *testing.B) *matchmaker.Store { return newStore(b, matchmaker.Config{}) }
