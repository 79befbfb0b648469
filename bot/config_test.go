package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/bot"
	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/blobstore"
)

func validConfig() bot.Config {
	return bot.Config{
		Token:    "123456:ABC-def_ghi",
		APIURL:   "https://api.telegram.org",
		FrontURL: "https://tetatet.example/",
		Settings: matchmaker.Settings{RedisURL: "redis://127.0.0.1:6379/0", SearchTTL: time.Minute, RoomTTL: time.Hour,
			RoomMaxMessages: 1000, NotifyCooldown: time.Minute, AwayCheckEvery: time.Minute, ReportsToSuspend: 3, SuspendFor: time.Hour},
		MediaSettings: blobstore.MediaSettings{MediaDir: "/tmp/media"},
		WebhookAddr:   ":8081",
		PollTimeout:   50 * time.Second,
		LogLevel:      "info",
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(*bot.Config)
		bad    string // the variable the error must name, "" when valid
	}{
		{"defaults", func(*bot.Config) {}, ""},
		{"no token", func(c *bot.Config) { c.Token = "" }, "TELEGRAM_BOT_TOKEN"},
		{"token without secret", func(c *bot.Config) { c.Token = "98765:" }, "TELEGRAM_BOT_TOKEN"},
		{"token with a slash", func(c *bot.Config) { c.Token = "123:abc/def" }, "TELEGRAM_BOT_TOKEN"},
		{"fake api on loopback", func(c *bot.Config) { c.APIURL = "http://127.0.0.1:9999" }, ""},
		{"api not a url", func(c *bot.Config) { c.APIURL = "api.telegram.org" }, "TELEGRAM_API_URL"},
		{"no front url", func(c *bot.Config) { c.FrontURL = "" }, "FRONT_URL"},
		{"front over http", func(c *bot.Config) { c.FrontURL = "http://tetatet.example/" }, "FRONT_URL"},
		{"front on localhost over http", func(c *bot.Config) { c.FrontURL = "http://localhost:5173/" }, ""},
		{"front on ::1 over http", func(c *bot.Config) { c.FrontURL = "http://[::1]:5173/" }, ""},
		{"front with credentials", func(c *bot.Config) { c.FrontURL = "https://a:b@tetatet.example/" }, "FRONT_URL"},
		{"front relative", func(c *bot.Config) { c.FrontURL = "/app" }, "FRONT_URL"},
		{"redis url", func(c *bot.Config) { c.RedisURL = "127.0.0.1:6379" }, "REDIS_URL"},
		{"webhook", func(c *bot.Config) { c.WebhookURL, c.WebhookSecret = "https://bot.example/hook", "abc_DEF-123" }, ""},
		{"webhook without secret", func(c *bot.Config) { c.WebhookURL = "https://bot.example/hook" }, "BOT_WEBHOOK_SECRET"},
		{"webhook secret with a space", func(c *bot.Config) { c.WebhookURL, c.WebhookSecret = "https://bot.example/hook", "a b" }, "BOT_WEBHOOK_SECRET"},
		{"webhook secret too long", func(c *bot.Config) {
			c.WebhookURL, c.WebhookSecret = "https://bot.example/hook", strings.Repeat("a", 257)
		}, "BOT_WEBHOOK_SECRET"},
		{"webhook over http", func(c *bot.Config) { c.WebhookURL, c.WebhookSecret = "http://bot.example/hook", "s" }, "BOT_WEBHOOK_URL"},
		{"webhook addr", func(c *bot.Config) {
			c.WebhookURL, c.WebhookSecret, c.WebhookAddr = "https://bot.example/hook", "s", "8081"
		}, "BOT_WEBHOOK_ADDR"},
		{"poll timeout too short", func(c *bot.Config) { c.PollTimeout = time.Second }, "BOT_POLL_TIMEOUT"},
		{"centrifugo without key", func(c *bot.Config) { c.CentrifugoAPIURL = "http://centrifugo:8000/api" }, "CENTRIFUGO_API_KEY"},
		{"centrifugo", func(c *bot.Config) { c.CentrifugoAPIURL, c.CentrifugoAPIKey = "http://centrifugo:8000/api", "k" }, ""},
		{"log level", func(c *bot.Config) { c.LogLevel = "verbose" }, "LOG_LEVEL"},
		{"token secret", func(c *bot.Config) {
			c.CentrifugoAPIURL, c.CentrifugoAPIKey, c.CentrifugoTokenSecret = "http://centrifugo:8000/api", "k", strings.Repeat("s", 32)
		}, ""},
		{"token secret without centrifugo", func(c *bot.Config) { c.CentrifugoTokenSecret = strings.Repeat("s", 32) }, "CENTRIFUGO_TOKEN_SECRET"},
		{"token secret too short", func(c *bot.Config) {
			c.CentrifugoAPIURL, c.CentrifugoAPIKey, c.CentrifugoTokenSecret = "http://centrifugo:8000/api", "k", "short"
		}, "CENTRIFUGO_TOKEN_SECRET"},
		{"admins", func(c *bot.Config) { c.AdminIDs = []int64{42, 7} }, ""},
		{"admin id not positive", func(c *bot.Config) { c.AdminIDs = []int64{42, 0} }, "BOT_ADMIN_IDS"},
		{"privacy url", func(c *bot.Config) { c.PrivacyPolicyURL = "https://operator.example/privacy" }, ""},
		{"privacy url over http", func(c *bot.Config) { c.PrivacyPolicyURL = "http://operator.example/privacy" }, "PRIVACY_POLICY_URL"},
		{"consumer name", func(c *bot.Config) { c.ConsumerName = "bot-2" }, ""},
		{"consumer name with a space", func(c *bot.Config) { c.ConsumerName = "bot 2" }, "BOT_CONSUMER_NAME"},
		{"notice retry negative", func(c *bot.Config) { c.NoticeRetry = -time.Second }, "NoticeRetry"},
		{"notice takeover too long", func(c *bot.Config) { c.NoticeTakeover = 2 * time.Hour }, "NoticeTakeover"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := validConfig()
			c.change(&cfg)
			err := cfg.Validate()
			switch {
			case c.bad == "" && err != nil:
				t.Fatalf("Validate = %v; want ok", err)
			case c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad)):
				t.Fatalf("Validate = %v; want an error naming %s", err, c.bad)
			}
			if err != nil && cfg.Token != "" && strings.Contains(err.Error(), cfg.Token) {
				t.Fatalf("error echoes the token: %v", err)
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	t.Setenv("FRONT_URL", "https://tetatet.example/")
	if _, err := bot.LoadConfig(); err == nil || !strings.Contains(err.Error(), "TELEGRAM_BOT_TOKEN") {
		t.Fatalf("without a token: %v; want an error naming TELEGRAM_BOT_TOKEN", err)
	}

	t.Setenv("TELEGRAM_BOT_TOKEN", "123456:ABC")
	cfg, err := bot.LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.APIURL != "https://api.telegram.org" || cfg.RedisURL != "redis://127.0.0.1:6379/0" ||
		cfg.WebhookAddr != ":8081" || cfg.Webhook() || cfg.PollTimeout != 50*time.Second ||
		len(cfg.AdminIDs) != 0 || cfg.ConsumerName != "" {
		t.Fatalf("defaults = %+v", cfg)
	}

	t.Setenv("BOT_ADMIN_IDS", "111,222")
	if cfg, err = bot.LoadConfig(); err != nil || len(cfg.AdminIDs) != 2 || cfg.AdminIDs[0] != 111 || cfg.AdminIDs[1] != 222 {
		t.Fatalf("BOT_ADMIN_IDS=111,222: %+v, %v", cfg.AdminIDs, err)
	}
	t.Setenv("BOT_ADMIN_IDS", "111,@someone")
	if _, err := bot.LoadConfig(); err == nil || !strings.Contains(err.Error(), "BOT_ADMIN_IDS") {
		t.Fatalf("BOT_ADMIN_IDS with a username: %v; want an error naming it", err)
	}
}
