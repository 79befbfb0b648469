package api_test

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
	"github.com/tetatet/tetatet/bot"
	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/blobstore"
)

// TestEveryVariableIsDocumented: each setting the processes read is in
// .env.example (as NAME=) and in the README's configuration table.
func TestEveryVariableIsDocumented(t *testing.T) {
	example, err := os.ReadFile("../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var check func(typ reflect.Type)
	check = func(typ reflect.Type) {
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				check(f.Type) // embedded settings (matchmaker.Settings)
				continue
			}
			name := f.Tag.Get("envconfig")
			if name == "" {
				continue
			}
			if !strings.Contains("\n"+string(example), "\n"+name+"=") {
				t.Errorf(".env.example lacks %s (%s)", name, typ.Name())
			}
			if !strings.Contains(string(readme), "`"+name+"`") {
				t.Errorf("README.md's configuration table lacks `%s` (%s)", name, typ.Name())
			}
		}
	}
	for _, cfg := range []any{api.Config{}, bot.Config{}} {
		check(reflect.TypeOf(cfg))
	}
}

func TestConfigValidateNamesTheVariable(t *testing.T) {
	good := api.Config{TelegramBotToken: "1:x", CentrifugoAPIURL: "http://c:9000/api",
		CentrifugoAPIKey: "k", CentrifugoTokenSecret: strings.Repeat("s", 32), CentrifugoWSURL: "wss://x/connection/websocket",
		InitDataMaxAge: 1, CentrifugoTokenTTL: 1, CentrifugoAPITimeout: 1, CentrifugoMaxConns: 1, MaxInFlight: 1, BodyReadTimeout: 1,
		Settings: matchmaker.Settings{RedisURL: "redis://r:6379/0", SearchTTL: 1, RoomTTL: 1, NotifyCooldown: 1, AwayCheckEvery: 1,
			ReportsToSuspend: 3, SuspendFor: 1, RoomMaxMessages: 1000},
		MediaSettings: blobstore.MediaSettings{MediaDir: "/tmp/media"}}
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	cases := map[string]func(*api.Config){
		"TELEGRAM_BOT_TOKEN":      func(c *api.Config) { c.TelegramBotToken = "nocolon" },
		"REDIS_URL":               func(c *api.Config) { c.RedisURL = "http://x" },
		"REDIS_CLUSTER_ADDRS":     func(c *api.Config) { c.RedisClusterAddrs = []string{"redis://x"} },
		"ROOM_MAX_MESSAGES":       func(c *api.Config) { c.RoomMaxMessages = 1 },
		"MAX_IN_FLIGHT":           func(c *api.Config) { c.MaxInFlight = 0 },
		"MESSAGE_BATCH_WAIT":      func(c *api.Config) { c.MessageBatchWait = time.Second },
		"BODY_READ_TIMEOUT":       func(c *api.Config) { c.BodyReadTimeout = 0 },
		"CENTRIFUGO_API_URL":      func(c *api.Config) { c.CentrifugoAPIURL = "http://c:9000" },
		"CENTRIFUGO_TOKEN_SECRET": func(c *api.Config) { c.CentrifugoTokenSecret = "short" },
		"CENTRIFUGO_WS_URL":       func(c *api.Config) { c.CentrifugoWSURL = "http://x" },
		"SEARCH_TTL":              func(c *api.Config) { c.SearchTTL = 0 },
		"REPORTS_TO_SUSPEND":      func(c *api.Config) { c.ReportsToSuspend = 0 },
		"LINKS_AFTER_MESSAGES":    func(c *api.Config) { c.LinksAfterMessages = -1 },
		"PRIVACY_POLICY_URL":      func(c *api.Config) { c.PrivacyPolicyURL = "ftp://x" },
	}
	for name, breakIt := range cases {
		c := good
		breakIt(&c)
		if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), name) {
			t.Errorf("%s: Validate() = %v; want an error naming it", name, err)
		}
	}
}

// TestConfigAnswersSearchTTL: GET /api/config tells the Mini App the
// configured SEARCH_TTL in whole seconds (rounded up, so a sub-second test
// setting never reads as 0), which the waiting screen shows; the default
// 10m is 600. Two APIs share one Redis and one Centrifugo.
func TestConfigAnswersSearchTTL(t *testing.T) {
	shared := apitest.Start(t, apitest.Options{})
	cases := []struct {
		ttl  time.Duration
		want float64
	}{
		{0, 600}, // apitest's default, 10m
		{5 * time.Minute, 300},
		{90 * time.Second, 90},
		{1500 * time.Millisecond, 2},
	}
	for _, c := range cases {
		st := shared
		if c.ttl != 0 {
			st = apitest.Start(t, apitest.Options{Redis: shared.Redis, Centrifugo: shared.Centrifugo,
				Config: func(cfg *api.Config) { cfg.SearchTTL = c.ttl }})
		}
		anon := st.User(t, 0, "")
		anon.InitData = ""
		var cfg map[string]any
		anon.MustDo("GET", "/api/config", nil, 200, &cfg)
		if got, ok := cfg["search_ttl_s"].(float64); !ok || got != c.want {
			t.Errorf("SEARCH_TTL=%v: search_ttl_s = %#v; want %v", st.Config.SearchTTL, cfg["search_ttl_s"], c.want)
		}
	}
}
