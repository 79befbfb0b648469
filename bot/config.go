package bot

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/blobstore"
)

// Config is the bot process's configuration, read from the environment.
type Config struct {
	// Store is Redis and the store's rules, shared with the API: the bot
	// closes rooms (bans, /delete) and counts them (/stats) by the same
	// ROOM_TTL and rules.
	matchmaker.Settings
	// Media: the bot deletes a /deleting user's photos and shows operators
	// a reported one.
	blobstore.MediaSettings
	Token    string `envconfig:"TELEGRAM_BOT_TOKEN" required:"true"`
	APIURL   string `envconfig:"TELEGRAM_API_URL" default:"https://api.telegram.org"`
	FrontURL string `envconfig:"FRONT_URL" required:"true"`

	WebhookURL    string `envconfig:"BOT_WEBHOOK_URL"`
	WebhookSecret string `envconfig:"BOT_WEBHOOK_SECRET"`
	WebhookAddr   string `envconfig:"BOT_WEBHOOK_ADDR" default:":8081"`

	// PollTimeout is the long-polling timeout of getUpdates.
	PollTimeout time.Duration `envconfig:"BOT_POLL_TIMEOUT" default:"50s"`

	CentrifugoAPIURL string `envconfig:"CENTRIFUGO_API_URL"`
	CentrifugoAPIKey string `envconfig:"CENTRIFUGO_API_KEY"`
	// CentrifugoTokenSecret is the API's token secret: a ban names the
	// user's personal channel with it. Without it a ban still ends the room
	// and search in Redis and the user still hears from the bot; only the
	// real-time announcements are missing.
	CentrifugoTokenSecret string `envconfig:"CENTRIFUGO_TOKEN_SECRET"`

	// AdminIDs are the Telegram ids of the operators (/reports, /unban,
	// /stats).
	AdminIDs []int64 `envconfig:"BOT_ADMIN_IDS"`

	// PrivacyPolicyURL, when set, is what /privacy points to instead of the
	// built-in policy.
	PrivacyPolicyURL string `envconfig:"PRIVACY_POLICY_URL"`
	// RichAdsPubID is read only so that /privacy says, as the API's page
	// does, whether the Mini App shows ads.
	RichAdsPubID string `envconfig:"RICHADS_PUB_ID"`

	// ConsumerName is this process's name in the notices consumer group.
	// Empty means the host name. Two processes must not share a name.
	ConsumerName string `envconfig:"BOT_CONSUMER_NAME"`
	// NoticeRetry is how long a notice whose send failed waits before it
	// is tried again (default 30 s); NoticeTakeover how long another
	// process's unsent notice waits before this one takes it over (default
	// 1 min). Not read from the environment: tests shorten them.
	NoticeRetry    time.Duration `ignored:"true"`
	NoticeTakeover time.Duration `ignored:"true"`

	LogLevel string `envconfig:"LOG_LEVEL" default:"info"`
}

// LoadConfig reads the configuration from the environment and validates it.
func LoadConfig() (Config, error) {
	var c Config
	if err := envconfig.Process("", &c); err != nil {
		return Config{}, fmt.Errorf("bot config: %w", err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

var webhookSecretRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// Validate fails on the first unusable setting and names its variable. It
// never echoes a secret.
func (c Config) Validate() error {
	fail := func(name, format string, args ...any) error {
		return fmt.Errorf("bot config: %s %s", name, fmt.Sprintf(format, args...))
	}
	if id, secret, ok := strings.Cut(c.Token, ":"); !ok || id == "" || secret == "" || strings.ContainsAny(c.Token, " /\t\r\n") {
		return fail("TELEGRAM_BOT_TOKEN", "must look like 123456:ABC-DEF… (as BotFather gives it)")
	}
	if err := checkURL(c.APIURL, false); err != nil {
		return fail("TELEGRAM_API_URL", "%v", err)
	}
	if err := checkURL(c.FrontURL, true); err != nil {
		return fail("FRONT_URL", "%v", err)
	}
	if err := c.Settings.Validate(); err != nil {
		return fmt.Errorf("bot config: %w", err)
	}
	if err := c.MediaSettings.Validate(); err != nil {
		return fmt.Errorf("bot config: %w", err)
	}
	if c.WebhookURL != "" {
		if err := checkURL(c.WebhookURL, true); err != nil {
			return fail("BOT_WEBHOOK_URL", "%v", err)
		}
		if !webhookSecretRe.MatchString(c.WebhookSecret) {
			return fail("BOT_WEBHOOK_SECRET", "is required with BOT_WEBHOOK_URL: 1–256 characters A-Z a-z 0-9 _ -")
		}
		if _, _, err := net.SplitHostPort(c.WebhookAddr); err != nil {
			return fail("BOT_WEBHOOK_ADDR", "must be host:port or :port")
		}
	}
	if c.PollTimeout < 2*time.Second || c.PollTimeout > 10*time.Minute {
		return fail("BOT_POLL_TIMEOUT", "must be between 2s and 10m")
	}
	if c.CentrifugoAPIURL != "" {
		if err := checkURL(c.CentrifugoAPIURL, false); err != nil {
			return fail("CENTRIFUGO_API_URL", "%v", err)
		}
		if c.CentrifugoAPIKey == "" {
			return fail("CENTRIFUGO_API_KEY", "is required with CENTRIFUGO_API_URL")
		}
	}
	if c.CentrifugoTokenSecret != "" {
		if c.CentrifugoAPIURL == "" {
			return fail("CENTRIFUGO_TOKEN_SECRET", "needs CENTRIFUGO_API_URL to publish with")
		}
		if len(c.CentrifugoTokenSecret) < 32 {
			return fail("CENTRIFUGO_TOKEN_SECRET", "must be the API's secret: at least 32 characters")
		}
	}
	for _, id := range c.AdminIDs {
		if id <= 0 {
			return fail("BOT_ADMIN_IDS", "must be positive Telegram user ids, comma-separated")
		}
	}
	if c.PrivacyPolicyURL != "" {
		if err := checkURL(c.PrivacyPolicyURL, true); err != nil {
			return fail("PRIVACY_POLICY_URL", "%v", err)
		}
	}
	if len(c.ConsumerName) > 128 || strings.ContainsAny(c.ConsumerName, " \t\r\n") {
		return fail("BOT_CONSUMER_NAME", "must be at most 128 characters without spaces")
	}
	if c.NoticeRetry < 0 || c.NoticeRetry > time.Hour {
		return fail("NoticeRetry", "must be between 0 (default) and 1h")
	}
	if c.NoticeTakeover < 0 || c.NoticeTakeover > time.Hour {
		return fail("NoticeTakeover", "must be between 0 (default) and 1h")
	}
	if _, err := c.Level(); err != nil {
		return fail("LOG_LEVEL", "must be debug, info, warn or error")
	}
	return nil
}

// withDefaults fills the settings whose zero value means "the default".
func (c Config) withDefaults() Config {
	if c.ConsumerName == "" {
		c.ConsumerName, _ = os.Hostname()
		if c.ConsumerName == "" {
			c.ConsumerName = "bot"
		}
	}
	if c.NoticeRetry == 0 {
		c.NoticeRetry = 30 * time.Second
	}
	if c.NoticeTakeover == 0 {
		c.NoticeTakeover = time.Minute
	}
	return c
}

// isAdmin reports whether a Telegram user is one of the operators.
func (c Config) isAdmin(telegramID int64) bool {
	return telegramID > 0 && slices.Contains(c.AdminIDs, telegramID)
}

// Webhook reports whether the bot receives updates by webhook instead of
// long polling.
func (c Config) Webhook() bool { return c.WebhookURL != "" }

// Level is LOG_LEVEL as a slog level.
func (c Config) Level() (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(c.LogLevel))
	return l, err
}

// checkURL accepts an absolute http(s) URL with a host. With httpsOnly, plain
// http is allowed only for a loopback host (local runs and tests).
func checkURL(raw string, httpsOnly bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return errors.New("must be an absolute http(s) URL without credentials")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if !httpsOnly || isLoopback(u.Hostname()) {
			return nil
		}
		return errors.New("must use https (http only for localhost)")
	}
	return errors.New("must be an http(s) URL")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
