package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// startBot builds cmd/bot into the state dir and runs it as a child with the
// developer's environment (TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL, BOT_*…) plus
// the addresses of this run. It is a separate process, as in production.
func startBot(ctx context.Context, cfg Config, frontURL, redisURL string, cf *centrifugoServer) (*child, error) {
	bin := filepath.Join(cfg.StateDir, "bin", "bot")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/bot")
	build.Dir = sourceRoot()
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build cmd/bot: %v\n%s", err, out)
	}
	env := append(os.Environ(),
		"FRONT_URL="+frontURL,
		"REDIS_URL="+redisURL,
		"CENTRIFUGO_API_URL="+cf.APIURL,
		"CENTRIFUGO_API_KEY="+cf.APIKey,
		"CENTRIFUGO_TOKEN_SECRET="+cf.TokenSecret,
	)
	return startChild("bot", filepath.Join(cfg.StateDir, "bot.log"), env, bin)
}
