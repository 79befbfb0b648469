package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/kelseyhightower/envconfig"

	"github.com/tetatet/tetatet/centrifugo"
)

// Config is the runner's environment. Everything else (ports, secrets) it
// chooses itself for each run.
type Config struct {
	// HTTPAddr is where the API and the Mini App listen.
	HTTPAddr string `envconfig:"HTTP_ADDR" default:"127.0.0.1:8080"`
	// RedisURL, when set, is used instead of starting a Redis.
	RedisURL string `envconfig:"REDIS_URL"`
	// BotToken, when set, turns dev mode off and starts the bot.
	BotToken string `envconfig:"TELEGRAM_BOT_TOKEN"`
	// DevForce starts dev mode past the guard (see Mode).
	DevForce bool `envconfig:"DEV_FORCE"`
	// FrontURL is the Mini App URL the bot hands out (default: the local
	// app URL); set it to an https tunnel to open the app from Telegram.
	FrontURL string `envconfig:"FRONT_URL"`
	// StateDir holds Redis data, generated configs, logs and the bot
	// binary (default: .run/ in the source tree).
	StateDir string `envconfig:"RUN_STATE_DIR"`
	// MiniAppDir is the built Mini App (default: miniapp/dist).
	MiniAppDir string `envconfig:"MINIAPP_DIR"`
	LogLevel   string `envconfig:"LOG_LEVEL" default:"info"`
}

// LoadConfig reads the environment, fills the defaults that depend on the
// source tree and validates.
func LoadConfig() (Config, error) {
	var c Config
	if err := envconfig.Process("", &c); err != nil {
		return Config{}, err
	}
	root := sourceRoot()
	if c.StateDir == "" {
		c.StateDir = filepath.Join(root, ".run")
	}
	if c.MiniAppDir == "" {
		c.MiniAppDir = filepath.Join(root, "miniapp", "dist")
	}
	return c, c.Validate()
}

// sourceRoot is the repository the runner was built from: it needs the
// source tree anyway (Centrifugo's tools module, the bot, the Mini App).
func sourceRoot() string { return filepath.Dir(centrifugo.Dir()) }

// Validate fails fast, naming the variable that is wrong.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		return fmt.Errorf("HTTP_ADDR: want host:port, got %q", c.HTTPAddr)
	}
	if c.BotToken != "" && !strings.Contains(c.BotToken, ":") {
		return errors.New("TELEGRAM_BOT_TOKEN: not a bot token (want <id>:<secret> from BotFather)")
	}
	if c.StateDir == "" {
		return errors.New("RUN_STATE_DIR: must not be empty")
	}
	if _, err := sourceFile("go.mod"); err != nil {
		return fmt.Errorf("cmd/run needs the source tree it was built from (go run ./cmd/run): %w", err)
	}
	return nil
}

func sourceFile(name string) (string, error) {
	p := filepath.Join(sourceRoot(), name)
	_, err := os.Stat(p)
	return p, err
}

// Mode says whether this run is in dev mode and why.
type Mode struct {
	Dev bool
	// Why is one line for the banner.
	Why string
}

// Mode decides between dev mode (/dev signs anyone in as test users A and B)
// and bot mode. Dev mode must never happen by accident on a reachable
// server: with a real bot token it stays off, and without one it refuses a
// non-loopback HTTP_ADDR. DEV_FORCE=1 overrides both.
func (c Config) Mode() (Mode, error) {
	loopback := isLoopback(c.HTTPAddr)
	switch {
	case c.BotToken != "" && !c.DevForce:
		return Mode{Why: "bot mode: TELEGRAM_BOT_TOKEN is set, so there is no /dev (DEV_FORCE=1 would add it, signed with that token)"}, nil
	case c.BotToken != "":
		return Mode{Dev: true, Why: "dev mode FORCED with the real bot token: /dev signs init data with TELEGRAM_BOT_TOKEN"}, nil
	case !loopback && !c.DevForce:
		return Mode{}, fmt.Errorf("refusing dev mode on HTTP_ADDR %q: it is not a loopback address, and /dev lets anyone who reaches it sign in as a test user. "+
			"Listen on 127.0.0.1, set TELEGRAM_BOT_TOKEN for bot mode, or set DEV_FORCE=1 if you really mean it", c.HTTPAddr)
	case !loopback:
		return Mode{Dev: true, Why: "dev mode FORCED on a non-loopback address: anyone who reaches /dev can sign in as a test user"}, nil
	}
	return Mode{Dev: true, Why: "dev mode: no TELEGRAM_BOT_TOKEN, so /dev signs you in as test users with a throwaway token"}, nil
}

// isLoopback reports whether a listen address accepts loopback connections
// only. An empty host (":8080") listens everywhere.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
