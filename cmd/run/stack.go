package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// stackFile is written into the state dir while a dev-mode run is up, for
// tools on this machine that drive the stack as Telegram would (cmd/loadtest
// signs init data for its own users with the throwaway bot token and
// publishes straight to Centrifugo for its baseline). It is 0600 and removed
// when the run stops. It is never written with a real bot token.
const stackFile = "stack.json"

// stackState is the content of stack.json. cmd/loadtest reads the same
// fields; keep the two in step.
type stackState struct {
	AppURL           string `json:"app_url"`
	BotToken         string `json:"bot_token"`
	CentrifugoAPIURL string `json:"centrifugo_api_url"`
	CentrifugoAPIKey string `json:"centrifugo_api_key"`
	CentrifugoWSURL  string `json:"centrifugo_ws_url"` // Centrifugo itself, not the API's proxy
	RedisURL         string `json:"redis_url"`
	// RedisEmbedded: the Redis runs inside this process (miniredis).
	RedisEmbedded bool `json:"redis_embedded"`
	// PIDs: the API runs in the runner process itself; 0 = not a process
	// of this run (REDIS_URL, embedded Redis).
	PIDs struct {
		API        int `json:"api"`
		Centrifugo int `json:"centrifugo"`
		Redis      int `json:"redis"`
	} `json:"pids"`
}

func newStackState(appURL, botToken string, rs *redisStore, cf *centrifugoServer) stackState {
	s := stackState{
		AppURL:           appURL,
		BotToken:         botToken,
		CentrifugoAPIURL: cf.APIURL,
		CentrifugoAPIKey: cf.APIKey,
		CentrifugoWSURL:  strings.Replace(cf.PublicURL, "http://", "ws://", 1) + "/connection/websocket",
		RedisURL:         rs.URL,
		RedisEmbedded:    rs.embedded != nil,
	}
	s.PIDs.API = os.Getpid()
	s.PIDs.Centrifugo = cf.PID()
	if rs.server != nil {
		s.PIDs.Redis = rs.server.PID()
	}
	return s
}

// writeStackState writes stack.json into dir (0600) and returns the function
// that removes it.
func writeStackState(dir string, s stackState) (remove func(), err error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, stackFile)
	// Write to a new file and rename, so a reader never sees half of it
	// and an older file with looser permissions is replaced, not reused.
	tmp := path + ".tmp"
	_ = os.Remove(tmp)
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return nil, fmt.Errorf("%s: %w", stackFile, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("%s: %w", stackFile, err)
	}
	return func() { _ = os.Remove(path) }, nil
}
