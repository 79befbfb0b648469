package api_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/bot"
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
	for _, cfg := range []any{api.Config{}, bot.Config{}} {
		typ := reflect.TypeOf(cfg)
		for i := 0; i < typ.NumField(); i++ {
			name := typ.Field(i).Tag.Get("envconfig")
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
}

func TestConfigValidateNamesTheVariable(t *testing.T) {
	good := api.Config{TelegramBotToken: "1:x", RedisURL: "redis://r:6379/0", CentrifugoAPIURL: "http://c:9000/api",
		CentrifugoAPIKey: "k", CentrifugoTokenSecret: strings.Repeat("s", 32), CentrifugoWSURL: "wss://x/connection/websocket",
		InitDataMaxAge: 1, SearchTTL: 1, RoomTTL: 1, CentrifugoTokenTTL: 1, CentrifugoAPITimeout: 1, NotifyCooldown: 1,
		ReportsToSuspend: 3, SuspendFor: 1}
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	cases := map[string]func(*api.Config){
		"TELEGRAM_BOT_TOKEN":      func(c *api.Config) { c.TelegramBotToken = "nocolon" },
		"REDIS_URL":               func(c *api.Config) { c.RedisURL = "http://x" },
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
