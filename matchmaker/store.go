package matchmaker

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

var (
	//go:embed lib.lua
	libLua string
	//go:embed putprofile.lua
	putProfileLua string
	//go:embed search.lua
	searchLua string
	//go:embed cancel.lua
	cancelLua string
	//go:embed sweep.lua
	sweepLua string
	//go:embed leave.lua
	leaveLua string
	//go:embed message.lua
	messageLua string
	//go:embed deleteuser.lua
	deleteUserLua string
	//go:embed history.lua
	historyLua string
	//go:embed clear.lua
	clearLua string
)

// Store is the Redis-backed state of the product. It is safe for concurrent
// use and holds no state of its own besides configuration, so any number of
// processes may share one Redis.
type Store struct {
	rdb     redis.UniversalClient
	cfg     Config
	scripts struct {
		putProfile, search, cancel, sweep, leave, message, deleteUser, history, clear *redis.Script
	}
}

// New returns a store on rdb.
func New(rdb redis.UniversalClient, cfg Config) *Store {
	s := &Store{rdb: rdb, cfg: cfg.withDefaults()}
	s.scripts.putProfile = newScript(putProfileLua)
	s.scripts.search = newScript(searchLua)
	s.scripts.cancel = newScript(cancelLua)
	s.scripts.sweep = newScript(sweepLua)
	s.scripts.leave = newScript(leaveLua)
	s.scripts.message = newScript(messageLua)
	s.scripts.deleteUser = newScript(deleteUserLua)
	s.scripts.history = newScript(historyLua)
	s.scripts.clear = newScript(clearLua)
	return s
}

// newScript loads one of the package's scripts with the shared helpers of
// lib.lua in front of it.
func newScript(src string) *redis.Script { return redis.NewScript(libLua + src) }

// Config returns the effective configuration (defaults filled in).
func (s *Store) Config() Config { return s.cfg }

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

func (s *Store) key(parts ...string) string {
	return s.cfg.Prefix + strings.Join(parts, "")
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// randomID returns n random bytes as lower-case base32: opaque, URL- and
// channel-name-safe.
func randomID(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("matchmaker: random id: %w", err)
	}
	return idEncoding.EncodeToString(b), nil
}

func nowMillis() int64 { return time.Now().UnixMilli() }

func seconds(d time.Duration) int64 {
	s := int64(d / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}

// scriptResult unpacks a script's reply, which is always an array whose
// first element is a status word.
func scriptResult(v any, err error) (string, []string, error) {
	if err != nil {
		return "", nil, err
	}
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return "", nil, fmt.Errorf("unexpected script reply %T", v)
	}
	out := make([]string, len(arr)-1)
	for i, x := range arr[1:] {
		switch x := x.(type) {
		case string:
			out[i] = x
		case int64:
			out[i] = fmt.Sprint(x)
		}
	}
	status, _ := arr[0].(string)
	return status, out, nil
}
