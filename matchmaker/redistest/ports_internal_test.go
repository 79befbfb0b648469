package redistest

import (
	"context"
	"net"
	"strconv"
	"testing"
)

// A port chosen for a new server that another test's redis-server binds
// first must not hand the test that other server: the new one starts on
// another port, its own, and is empty.
func TestStartWhenAnotherRedisTookThePort(t *testing.T) {
	other := Start(t)
	ctx := context.Background()
	if err := other.Client(t).Set(ctx, "belongs-to", "the other test", 0).Err(); err != nil {
		t.Fatal(err)
	}
	calls := 0
	freePort = func(t testing.TB) int {
		calls++
		if calls == 1 {
			_, port, _ := net.SplitHostPort(other.Addr)
			n, _ := strconv.Atoi(port)
			return n
		}
		return FreePort(t)
	}
	t.Cleanup(func() { freePort = FreePort })

	s := Start(t)
	if s.Addr == other.Addr {
		t.Fatalf("Start returned the other test's server at %s", s.Addr)
	}
	if n, err := s.Client(t).DBSize(ctx).Result(); err != nil || n != 0 {
		t.Fatalf("the new server holds %d keys (%v); want an empty one of its own", n, err)
	}
}
