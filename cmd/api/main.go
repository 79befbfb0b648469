// Command api serves Tet-a-Tet's HTTP API and the built Mini App.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/miniapp"
)

func main() {
	if err := run(); err != nil {
		slog.Error("api stopped", "err", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := api.LoadConfig()
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("LOG_LEVEL: %w", err)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)

	rdb, err := cfg.Settings.Connect()
	if err != nil {
		return err
	}
	defer rdb.Close()
	blob, closeBlob, err := cfg.MediaSettings.Open(context.Background())
	if err != nil {
		return fmt.Errorf("media store: %w", err)
	}
	defer closeBlob.Close()
	pub, err := cfg.Publisher()
	if err != nil {
		return err
	}
	defer pub.Close()
	tokens := centrifugo.NewTokens(cfg.CentrifugoTokenSecret, cfg.CentrifugoTokenTTL)
	srv := api.New(cfg, api.Deps{
		Store:     matchmaker.New(rdb, cfg.StoreConfig(), centrifugo.NewAnnouncer(pub, tokens), matchmaker.WithMedia(blob)),
		Publisher: pub,
		Tokens:    tokens,
		Logger:    logger,
		Static: miniapp.Handler(cfg.MiniAppDir, miniapp.WithPolicy(miniapp.Policy{CentrifugoWSURL: cfg.CentrifugoWSURL,
			RichAds: cfg.RichAdsPubID != "" && cfg.RichAdsAppID != ""})),
	})

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go srv.Run(ctx)

	hs := &http.Server{Addr: cfg.HTTPAddr, Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	logger.Info("api listening", "addr", cfg.HTTPAddr)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
