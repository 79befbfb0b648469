// Package apitest starts the API against a real redis-server and a real
// Centrifugo on free loopback ports, for tests of the whole backend.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/centrifugo/centrifugotest"
	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/blobstore"
	"github.com/tetatet/tetatet/matchmaker/redistest"
)

// BotToken is the bot token test init data is signed with.
const BotToken = "123456789:TEST-token-for-init-data-signing"

// Options change the stack. Zero values start everything fresh.
type Options struct {
	Redis      *redistest.Server      // share a Redis (several API processes)
	Centrifugo *centrifugotest.Server // share a Centrifugo
	Static     http.Handler           // what / serves
	Proxy      bool                   // reverse-proxy /connection/websocket to Centrifugo
	Config     func(*api.Config)      // last word on the config
	Logger     *slog.Logger
	// Media is the media store (default: a directory of the test's).
	Media blobstore.Store
}

// Stack is a running API with its Redis and Centrifugo.
type Stack struct {
	URL        string
	Redis      *redistest.Server
	Centrifugo *centrifugotest.Server
	RDB        redis.UniversalClient
	Store      *matchmaker.Store
	Publisher  *centrifugo.Publisher
	Media      blobstore.Store
	Tokens     *centrifugo.Tokens
	Server     *api.Server
	Config     api.Config
}

// Start brings the stack up; everything stops when the test ends.
func Start(t testing.TB, o Options) *Stack {
	t.Helper()
	st := &Stack{Redis: o.Redis, Centrifugo: o.Centrifugo}
	if st.Redis == nil {
		st.Redis = redistest.Start(t)
	}
	if st.Centrifugo == nil {
		st.Centrifugo = centrifugotest.Start(t, centrifugotest.Options{AllowedOrigins: []string{"*"}})
	}
	st.RDB = st.Redis.Client(t)
	cfg := api.Config{
		Settings: matchmaker.Settings{
			RedisURL:           st.Redis.URL,
			SearchTTL:          10 * time.Minute,
			RematchCooldown:    10 * time.Minute,
			RoomTTL:            24 * time.Hour,
			RoomMaxMessages:    1000,
			NotifyCooldown:     5 * time.Minute,
			AwayCheckEvery:     30 * time.Second,
			ReportsToSuspend:   3,
			SuspendFor:         24 * time.Hour,
			LinksAfterMessages: 3,
		},
		TelegramBotToken:      BotToken,
		CentrifugoAPIURL:      st.Centrifugo.APIURL,
		CentrifugoAPIKey:      st.Centrifugo.APIKey,
		CentrifugoAPITimeout:  3 * time.Second,
		CentrifugoTokenSecret: st.Centrifugo.Secret,
		CentrifugoTokenTTL:    time.Hour,
		CentrifugoWSURL:       st.Centrifugo.WSURL,
		CentrifugoMaxConns:    64,
		MediaSettings:         blobstore.MediaSettings{MediaDir: "unused: apitest opens its own store"},
		InitDataMaxAge:        24 * time.Hour,
		MaxInFlight:           256,
		BodyReadTimeout:       10 * time.Second,
		MessageBatchWait:      2 * time.Millisecond, // production's default
	}
	if o.Proxy {
		cfg.CentrifugoProxyURL = st.Centrifugo.PublicURL
		cfg.CentrifugoWSURL = "/connection/websocket"
	}
	if o.Config != nil {
		o.Config(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("apitest config: %v", err)
	}
	st.Config = cfg
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	pub, err := cfg.Publisher()
	if err != nil {
		t.Fatal(err)
	}
	st.Publisher = pub
	st.Tokens = centrifugo.NewTokens(cfg.CentrifugoTokenSecret, cfg.CentrifugoTokenTTL)
	st.Media = o.Media
	if st.Media == nil {
		d, err := blobstore.OpenDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		st.Media = d
	}
	st.Store = matchmaker.New(st.RDB, cfg.StoreConfig(), centrifugo.NewAnnouncer(st.Publisher, st.Tokens), matchmaker.WithMedia(st.Media))
	st.Server = api.New(cfg, api.Deps{
		Store:     st.Store,
		Publisher: st.Publisher,
		Tokens:    st.Tokens,
		Logger:    logger,
		Static:    o.Static,
	})
	ctx, cancel := context.WithCancel(context.Background())
	go st.Server.Run(ctx)
	hs := httptest.NewServer(st.Server.Handler())
	t.Cleanup(func() { cancel(); hs.Close(); st.Publisher.Close() })
	st.URL = hs.URL
	return st
}

// InitData returns init data for a Telegram user, signed now.
func InitData(tgID int64, name, lang string) string {
	return api.SignInitData(BotToken, tgID, name, lang, time.Now())
}

// User is an HTTP client acting as one Telegram user.
type User struct {
	t        testing.TB
	base     string
	TG       int64
	InitData string
}

// User returns a client for a Telegram user of this stack.
func (st *Stack) User(t testing.TB, tgID int64, name string) *User {
	return &User{t: t, base: st.URL, TG: tgID, InitData: InitData(tgID, name, "en")}
}

// Onboard creates the user's profile through the API.
func (u *User) Onboard(nick, gender string, age int) {
	u.t.Helper()
	u.MustDo("PUT", "/api/me", map[string]any{"nickname": nick, "gender": gender, "age": age}, http.StatusOK, nil)
}

// Do sends a request with the user's init data; body nil sends none, a
// string or []byte is sent raw, anything else as JSON. It returns the status
// and decodes a JSON answer into out when out is not nil.
func (u *User) Do(method, path string, body any, out any) (int, []byte) {
	u.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			u.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, u.base+path, rd)
	if err != nil {
		u.t.Fatal(err)
	}
	if u.InitData != "" {
		req.Header.Set("Authorization", "tma "+u.InitData)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		u.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			u.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, raw
}

// MustDo is Do that fails the test unless the status is want.
func (u *User) MustDo(method, path string, body any, want int, out any) []byte {
	u.t.Helper()
	status, raw := u.Do(method, path, body, out)
	if status != want {
		u.t.Fatalf("%s %s = %d %s; want %d", method, path, status, raw, want)
	}
	return raw
}

// Room is the contract's Room object.
type Room struct {
	ID      string `json:"id"`
	Channel string `json:"channel"`
	Me      string `json:"me"`
	Partner struct {
		Nickname string `json:"nickname"`
		Gender   string `json:"gender"`
		Age      int    `json:"age"`
	} `json:"partner"`
}

// SearchState is the answer of /api/search.
type SearchState struct {
	State string `json:"state"`
	Room  *Room  `json:"room"`
}

// Token is the answer of the token endpoints.
type Token struct {
	Token     string `json:"token"`
	ExpiresAt int64  `json:"expires_at"`
}

// LogBuffer collects output written from many goroutines (a logger, a
// child process's stdout and stderr) for a test to read.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
