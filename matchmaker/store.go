package matchmaker

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base32"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/matchmaker/blobstore"
	"github.com/tetatet/tetatet/matchmaker/coalesce"
)

//go:embed *.lua
var luaFiles embed.FS

func lua(name string) string {
	b, err := luaFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Every script has lib.lua in front of it, and the helpers of the slot it
// runs in: mm.lua for the matchmaking slot, room.lua for a room's slot.
func plainScript(name string) *redis.Script { return redis.NewScript(lua("lib.lua") + lua(name)) }
func mmScript(name string) *redis.Script {
	return redis.NewScript(lua("lib.lua") + lua("mm.lua") + lua(name))
}
func roomScript(name string) *redis.Script {
	return redis.NewScript(lua("lib.lua") + lua("room.lua") + lua(name))
}

var (
	searchScript     = mmScript("search.lua")
	cancelScript     = mmScript("cancel.lua")
	sweepScript      = mmScript("sweep.lua")
	reindexScript    = mmScript("reindex.lua")
	endScript        = mmScript("end.lua")
	reportScript     = mmScript("report.lua")
	restrictScript   = mmScript("restrict.lua")
	profileScript    = mmScript("profile.lua")
	deleteUserScript = mmScript("deleteuser.lua")
	claimScript      = mmScript("claim.lua")
	queueScript      = mmScript("queue.lua")
	spamScript       = mmScript("spam.lua")
	// Contact exchange and meet again (consent.go, again.go).
	revealIntentScript = mmScript("revealintent.lua")
	againScript        = mmScript("again.lua")
	againClaimScript   = mmScript("againclaim.lua")
	revealScript       = roomScript("reveal.lua")

	roomCreateScript = roomScript("roomcreate.lua")
	messageScript    = roomScript("message.lua")
	historyScript    = roomScript("history.lua")
	closeScript      = roomScript("close.lua")
	clearScript      = roomScript("clear.lua")
	actionScript     = roomScript("action.lua")
	mediaAddScript   = roomScript("mediaadd.lua")
	mediaGetScript   = roomScript("mediaget.lua")

	putProfileScript = plainScript("putprofile.lua")
	linkScript       = plainScript("link.lua")
	notifyScript     = plainScript("notify.lua")
	rateLimitScript  = plainScript("ratelimit.lua")
)

// Scripts lists every script of the package, so a test can load each one
// into a Redis (the embedded one of `make run` among them).
func Scripts() map[string]*redis.Script {
	return map[string]*redis.Script{
		"search": searchScript, "cancel": cancelScript, "sweep": sweepScript, "end": endScript,
		"report": reportScript, "restrict": restrictScript, "profile": profileScript,
		"deleteuser": deleteUserScript, "claim": claimScript, "queue": queueScript, "spam": spamScript, "reindex": reindexScript,
		"roomcreate": roomCreateScript, "message": messageScript, "history": historyScript,
		"close": closeScript, "clear": clearScript, "action": actionScript, "mediaadd": mediaAddScript,
		"mediaget":   mediaGetScript,
		"putprofile": putProfileScript, "link": linkScript, "notify": notifyScript, "ratelimit": rateLimitScript,
		"revealintent": revealIntentScript, "again": againScript, "againclaim": againClaimScript, "reveal": revealScript,
	}
}

// Store is the Redis-backed state of the product. It is safe for concurrent
// use and holds no state of its own besides configuration and a few
// counters it flushes, so any number of processes may share one Redis or
// one Redis Cluster.
type Store struct {
	rdb  redis.UniversalClient
	cfg  Config
	ann  Announcer
	blob blobstore.Store // nil: no media
	// messages counts stored messages not yet added to today's counter
	// (FlushStats): the message script stays in its room's slot.
	messages atomic.Int64
	// dies is set only by tests (export_test.go): runs of outbox entries
	// stop before their first step, as if the process died between a
	// {mm} step and the steps it left in the outbox.
	dies atomic.Bool
	// indexMoved is set once migrateIndex found nothing left to move.
	indexMoved atomic.Bool
	// rooms coalesces the room scripts (the message path's one Redis call)
	// that are made at the same moment into pipelines.
	rooms coalesce.Group[*scriptCall]
}

// New returns a store on rdb. ann tells users about what the store did
// (matches, rooms that ended, restrictions); nil announces nothing, for
// tools that only read.
func New(rdb redis.UniversalClient, cfg Config, ann Announcer, opts ...Option) *Store {
	if ann == nil {
		ann = silent{}
	}
	s := &Store{rdb: rdb, cfg: cfg.withDefaults(), ann: ann}
	s.rooms = coalesce.Group[*scriptCall]{Lanes: roomLanes, Max: 128, Send: s.sendScripts, Linger: s.cfg.BatchWait}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Config returns the effective configuration (defaults filled in).
func (s *Store) Config() Config { return s.cfg }

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if c, ok := s.rdb.(*redis.ClusterClient); ok {
		return c.ForEachShard(ctx, func(ctx context.Context, n *redis.Client) error { return n.Ping(ctx).Err() })
	}
	return s.rdb.Ping(ctx).Err()
}

func (s *Store) runMM(ctx context.Context, sc *redis.Script, args ...any) *redis.Cmd {
	return sc.Run(ctx, s.rdb, []string{s.mmKey()}, args...)
}

// runRoom runs a room script. Room scripts made at the same moment go
// together: at most roomLanes calls to Redis carry them at once, and those
// that find every lane busy go in one pipeline with the next (one write and
// one read for all of them, on each side). In a pipeline each script runs
// on its own, in order, as it would alone.
func (s *Store) runRoom(ctx context.Context, sc *redis.Script, roomID string, args ...any) *redis.Cmd {
	c := &scriptCall{sc: sc, keys: s.roomKeys(roomID), args: args}
	if err := s.rooms.Do(ctx, c); err != nil {
		cmd := redis.NewCmd(ctx)
		cmd.SetErr(err)
		return cmd
	}
	return c.cmd
}

// roomLanes is how many calls to Redis carry room scripts at once.
const roomLanes = 2

// scriptCall is one run of a script and its reply.
type scriptCall struct {
	sc   *redis.Script
	keys []string
	args []any
	cmd  *redis.Cmd
}

// sendScripts runs a batch of scripts: alone as usual, or several in one
// pipeline of EVALSHA, each sent again with its source if Redis did not
// have it (NOSCRIPT: it did not run).
func (s *Store) sendScripts(ctx context.Context, batch []*scriptCall) {
	if len(batch) == 1 {
		c := batch[0]
		c.cmd = c.sc.Run(ctx, s.rdb, c.keys, c.args...)
		return
	}
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range batch {
			c.cmd = p.EvalSha(ctx, c.sc.Hash(), c.keys, c.args...)
		}
		return nil
	})
	for _, c := range batch {
		if redis.HasErrorPrefix(c.cmd.Err(), "NOSCRIPT") {
			c.cmd = c.sc.Run(ctx, s.rdb, c.keys, c.args...)
		}
	}
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

func seconds(d time.Duration) int64 {
	s := int64(d / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}

func millis(d time.Duration) int64 { return max(d.Milliseconds(), 1) }

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

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// redisZ is a sorted-set member scored by a time (Unix ms).
func redisZ(t time.Time, member string) redis.Z {
	return redis.Z{Score: float64(t.UnixMilli()), Member: member}
}

// zUpTo asks for up to limit members of a sorted set scored at most max.
func zUpTo(key, max string, limit int) redis.ZRangeArgs {
	return redis.ZRangeArgs{Key: key, ByScore: true, Start: "-inf", Stop: max, Count: int64(limit)}
}

// splitIDs reads a comma-separated list of ids ("" = none).
func splitIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
