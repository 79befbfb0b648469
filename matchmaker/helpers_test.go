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

// eachRedis runs f against a real single redis-server and against a real
// Redis Cluster of three masters: the store's code is the same on both.
func eachRedis(t *testing.T, f func(t *testing.T, rdb redis.UniversalClient)) {
	t.Run("single", func(t *testing.T) { f(t, redistest.Start(t).Client(t)) })
	t.Run("cluster", func(t *testing.T) { f(t, redistest.StartCluster(t, 3).Client(t)) })
}

// recorder is an Announcer that notes what the store announced.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(format string, args ...any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf(format, args...))
	return nil
}

func (r *recorder) Matched(_ context.Context, room matchmaker.Room, userID string) error {
	return r.add("matched %s %s", userID, room.ID)
}
func (r *recorder) Left(_ context.Context, roomID, member string) error {
	return r.add("left %s %s", roomID, member)
}
func (r *recorder) Restricted(_ context.Context, userID, code string, until time.Time) error {
	return r.add("restricted %s %s", userID, code)
}
func (r *recorder) SearchExpired(_ context.Context, userID string) error {
	return r.add("expired %s", userID)
}
func (r *recorder) RemoveHistory(_ context.Context, roomID string) error {
	return r.add("remove_history %s", roomID)
}
func (r *recorder) AppOpen(context.Context, string) (bool, error) { return true, nil }

// count is how many events start with prefix.
func (r *recorder) count(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if strings.HasPrefix(e, prefix) {
			n++
		}
	}
	return n
}

// waitFor waits until an event with prefix was recorded (announcements of a
// match run after Search returns).
func (r *recorder) waitFor(t testing.TB, prefix string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for r.count(prefix) == 0 {
		if time.Now().After(deadline) {
			r.mu.Lock()
			defer r.mu.Unlock()
			t.Fatalf("no %q among %v", prefix, slices.Clone(r.events))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func newStoreOn(t testing.TB, rdb redis.UniversalClient, cfg matchmaker.Config) (*matchmaker.Store, *recorder) {
	t.Helper()
	rec := &recorder{}
	return matchmaker.New(rdb, cfg, rec), rec
}

// newStore is a store on a fresh single redis-server.
func newStore(t testing.TB, cfg matchmaker.Config) *matchmaker.Store {
	t.Helper()
	s, _ := newStoreOn(t, redistest.Start(t).Client(t), cfg)
	return s
}

var (
	tgMu  sync.Mutex
	tgSeq int64 = 1000
)

// tuser is a user with a profile: internal id and Telegram id.
type tuser struct {
	ID string
	TG int64
}

func mkUser(t testing.TB, s *matchmaker.Store, nick string, g matchmaker.Gender, age int) tuser {
	t.Helper()
	tgMu.Lock()
	tgSeq++
	tg := tgSeq
	tgMu.Unlock()
	u, err := s.PutProfile(context.Background(), tg, "en", matchmaker.Profile{Nickname: nick, Gender: g, Age: age})
	if err != nil {
		t.Fatalf("put profile %s: %v", nick, err)
	}
	return tuser{ID: u.ID, TG: tg}
}

func anyAdult() matchmaker.Filter {
	return matchmaker.Filter{Gender: matchmaker.GenderAny, AgeFrom: 18, AgeTo: 99}
}

func text(s string) matchmaker.NewMessage { return matchmaker.NewMessage{Text: s} }
