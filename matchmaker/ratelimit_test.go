package matchmaker_test

import (
	"context"
	"testing"
	"time"

	"github.com/tetatet/tetatet/matchmaker"
)

func TestAllowBurstThenRate(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, matchmaker.Config{})
	rate := matchmaker.Rate{Every: 100 * time.Millisecond, Burst: 3}
	allowed := 0
	var wait time.Duration
	for i := 0; i < 6; i++ {
		ok, retry, err := s.Allow(ctx, "msg", 1, rate)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			allowed++
		} else {
			wait = retry
		}
	}
	if allowed != 3 {
		t.Fatalf("allowed %d of 6 at once; want the burst of 3", allowed)
	}
	if wait <= 0 || wait > 100*time.Millisecond {
		t.Fatalf("retry after %v; want within one interval", wait)
	}
	if ok, _, _ := s.Allow(ctx, "msg", 2, rate); !ok {
		t.Fatal("another user was limited")
	}
	time.Sleep(wait + 5*time.Millisecond)
	if ok, _, _ := s.Allow(ctx, "msg", 1, rate); !ok {
		t.Fatal("still limited after retry-after")
	}
}
