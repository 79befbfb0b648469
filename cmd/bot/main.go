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

	rdb, err := cfg.Settings.Connect()
	if err != nil {
		return fmt.Errorf("bot: %w", err)
	}
	defer rdb.Close()
	// The store tells the apps in real time about bans and deletions when
	// the bot knows Centrifugo; otherwise the apps find out on their next
	// call to the API.
	var ann matchmaker.Announcer
	if cfg.CentrifugoAPIURL != "" && cfg.CentrifugoTokenSecret != "" {
		pub, err := centrifugo.NewPublisher(cfg.CentrifugoAPIURL, cfg.CentrifugoAPIKey, 5*time.Second, 8)
		if err != nil {
			return fmt.Errorf("bot: %w", err)
		}
		defer pub.Close()
		ann = centrifugo.NewAnnouncer(pub, centrifugo.NewTokens(cfg.CentrifugoTokenSecret, time.Minute))
	} else if len(cfg.AdminIDs) > 0 {
		log.Warn("CENTRIFUGO_API_URL or CENTRIFUGO_TOKEN_SECRET is not set: a ban still ends the room and search and " +
			"the user is told, but the Mini Apps learn of it only on their next call")
	}
	blob, closeBlob, err := cfg.MediaSettings.Open(ctx)
	if err != nil {
		return fmt.Errorf("bot: media store: %w", err)
	}
	defer closeBlob.Close()
	store := matchmaker.New(rdb, cfg.Settings.StoreConfig(), ann, matchmaker.WithMedia(blob))
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = store.Ping(pctx)
	cancel()
	if err != nil {
		return fmt.Errorf("bot: redis at REDIS_URL does not answer: %w", err)
	}

	deps := bot.Deps{Store: store}
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
