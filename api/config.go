package api

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/tetatet/tetatet/matchmaker"
)

// Config is every setting of the API process, read from the environment
// (see .env.example).
type Config struct {
	TelegramBotToken      string        `envconfig:"TELEGRAM_BOT_TOKEN" required:"true"`
	RedisURL              string        `envconfig:"REDIS_URL" default:"redis://127.0.0.1:6379/0"`
	HTTPAddr              string        `envconfig:"HTTP_ADDR" default:":8080"`
	CentrifugoAPIURL      string        `envconfig:"CENTRIFUGO_API_URL" default:"http://127.0.0.1:9000/api"`
	CentrifugoAPIKey      string        `envconfig:"CENTRIFUGO_API_KEY" required:"true"`
	CentrifugoAPITimeout  time.Duration `envconfig:"CENTRIFUGO_API_TIMEOUT" default:"3s"`
	CentrifugoTokenSecret string        `envconfig:"CENTRIFUGO_TOKEN_SECRET" required:"true"`
	CentrifugoTokenTTL    time.Duration `envconfig:"CENTRIFUGO_TOKEN_TTL" default:"1h"`
	CentrifugoWSURL       string        `envconfig:"CENTRIFUGO_WS_URL" default:"ws://127.0.0.1:8000/connection/websocket"`
	// CentrifugoProxyURL, when set, makes the API reverse-proxy
	// /connection/websocket to this Centrifugo (one origin for the browser).
	CentrifugoProxyURL string        `envconfig:"CENTRIFUGO_PROXY_URL"`
	InitDataMaxAge     time.Duration `envconfig:"INITDATA_MAX_AGE" default:"24h"`
	SearchTTL          time.Duration `envconfig:"SEARCH_TTL" default:"10m"`
	RematchCooldown    time.Duration `envconfig:"REMATCH_COOLDOWN" default:"10m"`
	RoomTTL            time.Duration `envconfig:"ROOM_TTL" default:"24h"`
	NotifyCooldown     time.Duration `envconfig:"NOTIFY_COOLDOWN" default:"5m"`
	ReportsToSuspend   int           `envconfig:"REPORTS_TO_SUSPEND" default:"3"`
	SuspendFor         time.Duration `envconfig:"SUSPEND_FOR" default:"24h"`
	LinksAfterMessages int           `envconfig:"LINKS_AFTER_MESSAGES" default:"3"`
	PrivacyPolicyURL   string        `envconfig:"PRIVACY_POLICY_URL"`
	MiniAppDir         string        `envconfig:"MINIAPP_DIR" default:"miniapp/dist"`
	RichAdsPubID       string        `envconfig:"RICHADS_PUB_ID"`
	RichAdsAppID       string        `envconfig:"RICHADS_APP_ID"`
	LogLevel           string        `envconfig:"LOG_LEVEL" default:"info"`
}

// StoreConfig is the matchmaker configuration these settings imply.
func (c Config) StoreConfig() matchmaker.Config {
	cooldown := c.RematchCooldown
	if cooldown == 0 {
		cooldown = -1 // REMATCH_COOLDOWN=0 turns the cooldown off
	}
	return matchmaker.Config{SearchTTL: c.SearchTTL, RematchCooldown: cooldown, RoomTTL: c.RoomTTL,
		LinksAfter: c.LinksAfterMessages}
}

// LoadConfig reads and validates the environment.
func LoadConfig() (Config, error) {
	var c Config
	if err := envconfig.Process("", &c); err != nil {
		return Config{}, err
	}
	return c, c.Validate()
}

// Validate fails fast, naming the variable that is wrong.
func (c Config) Validate() error {
	if !strings.Contains(c.TelegramBotToken, ":") {
		return fmt.Errorf("TELEGRAM_BOT_TOKEN: not a bot token (want <id>:<secret> from BotFather)")
	}
	if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		return fmt.Errorf("REDIS_URL: want redis://host:port/db, got %q", c.RedisURL)
	}
	if u, err := url.Parse(c.CentrifugoAPIURL); err != nil || u.Host == "" || !strings.HasSuffix(u.Path, "/api") {
		return fmt.Errorf("CENTRIFUGO_API_URL: want http://host:internal_port/api, got %q", c.CentrifugoAPIURL)
	}
	if len(c.CentrifugoTokenSecret) < 32 {
		return fmt.Errorf("CENTRIFUGO_TOKEN_SECRET: use at least 32 characters")
	}
	if c.CentrifugoAPIKey == "" {
		return fmt.Errorf("CENTRIFUGO_API_KEY: required")
	}
	if u, err := url.Parse(c.CentrifugoWSURL); err != nil || !(u.Scheme == "ws" || u.Scheme == "wss" || strings.HasPrefix(c.CentrifugoWSURL, "/")) {
		return fmt.Errorf("CENTRIFUGO_WS_URL: want ws(s)://host/connection/websocket or a path, got %q", c.CentrifugoWSURL)
	}
	if c.CentrifugoProxyURL != "" {
		if u, err := url.Parse(c.CentrifugoProxyURL); err != nil || u.Host == "" {
			return fmt.Errorf("CENTRIFUGO_PROXY_URL: want http://host:port, got %q", c.CentrifugoProxyURL)
		}
	}
	for name, d := range map[string]time.Duration{
		"INITDATA_MAX_AGE": c.InitDataMaxAge, "SEARCH_TTL": c.SearchTTL, "ROOM_TTL": c.RoomTTL,
		"CENTRIFUGO_TOKEN_TTL": c.CentrifugoTokenTTL, "NOTIFY_COOLDOWN": c.NotifyCooldown, "CENTRIFUGO_API_TIMEOUT": c.CentrifugoAPITimeout,
	} {
		if d <= 0 {
			return fmt.Errorf("%s: must be positive", name)
		}
	}
	if c.ReportsToSuspend < 1 {
		return fmt.Errorf("REPORTS_TO_SUSPEND: must be at least 1")
	}
	if c.SuspendFor <= 0 {
		return fmt.Errorf("SUSPEND_FOR: must be positive")
	}
	if c.LinksAfterMessages < 0 {
		return fmt.Errorf("LINKS_AFTER_MESSAGES: must not be negative (0 turns the rule off)")
	}
	if c.PrivacyPolicyURL != "" {
		if u, err := url.Parse(c.PrivacyPolicyURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			return fmt.Errorf("PRIVACY_POLICY_URL: want an http(s) URL, got %q", c.PrivacyPolicyURL)
		}
	}
	if c.RematchCooldown < 0 {
		return fmt.Errorf("REMATCH_COOLDOWN: must not be negative")
	}
	return nil
}
