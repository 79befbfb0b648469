package matchmaker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/redistest"
)

// The store's clients speak RESP2 on a single Redis and on a cluster: the
// server's own CLIENT INFO says which protocol the connection uses.
func TestConnectSpeaksRESP2(t *testing.T) {
	single := redistest.Start(t)
	cluster := redistest.StartCluster(t, 3)
	for name, s := range map[string]matchmaker.Settings{
		"single":  {RedisURL: single.URL},
		"cluster": {RedisClusterAddrs: cluster.Addrs},
	} {
		t.Run(name, func(t *testing.T) {
			rdb, err := s.Connect()
			if err != nil {
				t.Fatal(err)
			}
			defer rdb.Close()
			info, err := rdb.Do(context.Background(), "CLIENT", "INFO").Text()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(info, " resp=2") {
				t.Fatalf("CLIENT INFO: %s; want resp=2", info)
			}
		})
	}
}

// REDIS_URL may name a Unix socket (Redis on the same machine), but not
// one without a path.
func TestValidateRedisURL(t *testing.T) {
	base := matchmaker.Settings{SearchTTL: 1, RoomTTL: 1, NotifyCooldown: 1, AwayCheckEvery: 1, ReportsToSuspend: 3,
		SuspendFor: 1, RoomMaxMessages: 1000}
	for u, ok := range map[string]bool{
		"redis://127.0.0.1:6379/0":          true,
		"rediss://r.example:6380/1":         true,
		"unix:///run/redis/redis.sock?db=0": true,
		"unix://":                           false,
		"http://127.0.0.1:6379":             false,
		"127.0.0.1:6379":                    false,
	} {
		s := base
		s.RedisURL = u
		if err := s.Validate(); (err == nil) != ok {
			t.Errorf("%q: Validate() = %v; want ok=%v", u, err, ok)
		}
	}
}
