// Command bot runs Tet-a-Tet's Telegram bot (package bot). It only wires:
// configuration from the environment, Redis, the optional Centrifugo
// publisher and token secret, then the bot until SIGINT or SIGTERM.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/bot"
	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := bot.LoadConfig()
	if err != nil {
		return err
	}
	level, _ := cfg.Level() // validated
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("bot: REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	store := matchmaker.New(rdb, matchmaker.Config{})
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = store.Ping(pctx)
	cancel()
	if err != nil {
		return fmt.Errorf("bot: redis at REDIS_URL does not answer: %w", err)
	}

	deps := bot.Deps{Store: store}
	if cfg.CentrifugoAPIURL != "" { // else partners learn of a deletion or ban from the API
		deps.Rooms = centrifugo.NewPublisher(cfg.CentrifugoAPIURL, cfg.CentrifugoAPIKey, 5*time.Second)
	}
	if cfg.CentrifugoTokenSecret != "" { // names personal channels; the bot mints no tokens
		deps.Tokens = centrifugo.NewTokens(cfg.CentrifugoTokenSecret, time.Minute)
	}

	b, err := bot.New(cfg, deps, log)
	if err != nil {
		return err
	}
	log.Info("bot starting", "webhook", cfg.Webhook())
	if err := b.Run(ctx); err != nil {
		return err
	}
	log.Info("bot stopped")
	return nil
}
