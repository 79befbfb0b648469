package api

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/blobstore"
)

// Config is every setting of the API process, read from the environment
// (see .env.example).
type Config struct {
	// Store is Redis and the store's rules, shared with the bot.
	matchmaker.Settings
	// Media is where photos and voice messages are kept, shared with the bot.
	blobstore.MediaSettings
	TelegramBotToken     string        `envconfig:"TELEGRAM_BOT_TOKEN" required:"true"`
	HTTPAddr             string        `envconfig:"HTTP_ADDR" default:":8080"`
	CentrifugoAPIURL     string        `envconfig:"CENTRIFUGO_API_URL" default:"http://127.0.0.1:9000/api"`
	CentrifugoAPIKey     string        `envconfig:"CENTRIFUGO_API_KEY" required:"true"`
	CentrifugoAPITimeout time.Duration `envconfig:"CENTRIFUGO_API_TIMEOUT" default:"3s"`
	// CentrifugoMaxConns bounds the kept-alive connections to Centrifugo's
	// server API for the calls other than publications (presence,
	// history); publications go in batches on at most two of their own.
	CentrifugoMaxConns    int           `envconfig:"CENTRIFUGO_MAX_CONNS" default:"64"`
	CentrifugoTokenSecret string        `envconfig:"CENTRIFUGO_TOKEN_SECRET" required:"true"`
	CentrifugoTokenTTL    time.Duration `envconfig:"CENTRIFUGO_TOKEN_TTL" default:"1h"`
	CentrifugoWSURL       string        `envconfig:"CENTRIFUGO_WS_URL" default:"ws://127.0.0.1:8000/connection/websocket"`
	// CentrifugoProxyURL, when set, makes the API reverse-proxy
	// /connection/websocket to this Centrifugo (one origin for the browser).
	CentrifugoProxyURL string        `envconfig:"CENTRIFUGO_PROXY_URL"`
	InitDataMaxAge     time.Duration `envconfig:"INITDATA_MAX_AGE" default:"24h"`
	// MaxInFlight bounds the requests one process works on at once; past
	// it the API sheds load with 503 and Retry-After instead of queueing.
	MaxInFlight int `envconfig:"MAX_IN_FLIGHT" default:"256"`
	// MessageBatchWait: while messages come faster than one per this, each
	// message's Redis call and publication wait up to this for others to
	// share one round trip (fewer wake-ups in Redis, Centrifugo and the
	// API); a quiet API never waits. 0 turns it off.
	MessageBatchWait time.Duration `envconfig:"MESSAGE_BATCH_WAIT" default:"2ms"`
	// BodyReadTimeout is how long a request body may take to arrive (a
	// photo or voice upload six times that): a client that sends it slowly
	// would otherwise hold one of the MAX_IN_FLIGHT slots for ever.
	BodyReadTimeout  time.Duration `envconfig:"BODY_READ_TIMEOUT" default:"10s"`
	PrivacyPolicyURL string        `envconfig:"PRIVACY_POLICY_URL"`
	MiniAppDir       string        `envconfig:"MINIAPP_DIR" default:"miniapp/dist"`
	RichAdsPubID     string        `envconfig:"RICHADS_PUB_ID"`
	RichAdsAppID     string        `envconfig:"RICHADS_APP_ID"`
	LogLevel         string        `envconfig:"LOG_LEVEL" default:"info"`
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
	if err := c.Settings.Validate(); err != nil {
		return err
	}
	if err := c.MediaSettings.Validate(); err != nil {
		return err
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
		"INITDATA_MAX_AGE": c.InitDataMaxAge, "CENTRIFUGO_TOKEN_TTL": c.CentrifugoTokenTTL,
		"CENTRIFUGO_API_TIMEOUT": c.CentrifugoAPITimeout,
	} {
		if d <= 0 {
			return fmt.Errorf("%s: must be positive", name)
		}
	}
	if c.CentrifugoMaxConns < 1 {
		return fmt.Errorf("CENTRIFUGO_MAX_CONNS: must be at least 1")
	}
	if c.BodyReadTimeout <= 0 {
		return fmt.Errorf("BODY_READ_TIMEOUT: must be positive")
	}
	if c.MessageBatchWait < 0 || c.MessageBatchWait > 50*time.Millisecond {
		return fmt.Errorf("MESSAGE_BATCH_WAIT: want 0 (off) to 50ms, got %v", c.MessageBatchWait)
	}
	if c.MaxInFlight < 1 {
		return fmt.Errorf("MAX_IN_FLIGHT: must be at least 1")
	}
	if c.PrivacyPolicyURL != "" {
		if u, err := url.Parse(c.PrivacyPolicyURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			return fmt.Errorf("PRIVACY_POLICY_URL: want an http(s) URL, got %q", c.PrivacyPolicyURL)
		}
	}
	return nil
}

// Publisher is this process's publisher to Centrifugo, with its settings
// (connections, timeout, MESSAGE_BATCH_WAIT).
func (c Config) Publisher() (*centrifugo.Publisher, error) {
	pub, err := centrifugo.NewPublisher(c.CentrifugoAPIURL, c.CentrifugoAPIKey, c.CentrifugoAPITimeout, c.CentrifugoMaxConns)
	if err != nil {
		return nil, err
	}
	pub.SetBatchWait(c.MessageBatchWait)
	return pub, nil
}

// StoreConfig is the store configuration of this process.
func (c Config) StoreConfig() matchmaker.Config {
	sc := c.Settings.StoreConfig()
	sc.PublishTimeout = c.CentrifugoAPITimeout
	sc.BatchWait = c.MessageBatchWait
	sc.MessageRate = DefaultLimits["message"] // checked in the message script
	return sc
}
