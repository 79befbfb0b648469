package centrifugo_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/centrifugo"
)

// The committed config is what the Docker image ships and what every test
// and `make run` start from: the pinned server must accept it as it is, with
// no key it would ignore.
func TestShippedConfigIsValid(t *testing.T) {
	if err := centrifugo.CheckConfig(filepath.Join(centrifugo.Dir(), "config.json")); err != nil {
		t.Fatal(err)
	}
}

// CheckConfig is only worth running if it refuses what Centrifugo would
// ignore or refuse: a v5 flat key, a misspelt key at the top, inside an
// object and inside a namespace.
func TestCheckConfigRefusesWhatCentrifugoWouldIgnore(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]any
		want     string // in the error
	}{
		{"v5 flat admin", map[string]any{"admin": true}, "admin"},
		{"v5 flat key", map[string]any{"token_hmac_secret_key": "x"}, "token_hmac_secret_key"},
		{"typo in an object", map[string]any{"client.alowed_origins": []string{"*"}}, "client.alowed_origins"},
		{"typo in a section", map[string]any{"websockt.compression": false}, "websockt"},
		{"typo in a namespace", nil, "channel.namespaces[1].force_recovry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := centrifugo.ServerConfig(tt.settings)
			if err != nil {
				t.Fatal(err)
			}
			if tt.settings == nil {
				b = []byte(strings.Replace(string(b), `"force_push_join_leave"`, `"force_recovry": true, "force_push_join_leave"`, 1))
			}
			path := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			err = centrifugo.CheckConfig(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CheckConfig = %v, want an error naming %s", err, tt.want)
			}
		})
	}
}

func TestServerConfigSetsNestedKeys(t *testing.T) {
	b, err := centrifugo.ServerConfig(map[string]any{
		"http_server.port":             8123,
		"client.token.hmac_secret_key": "k",
		"client.channel_limit":         3,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"port": 8123`, `"hmac_secret_key": "k"`, `"channel_limit": 3`, `"user_connection_limit": 10`, `"name": "room"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("config lacks %s:\n%s", want, b)
		}
	}
	if _, err := centrifugo.ServerConfig(map[string]any{"client.channel_limit.x": 1}); err == nil {
		t.Error("setting a key under a number was accepted")
	}
}

// TestRoomHistoryTTLAgrees: the privacy policy quotes RoomHistoryTTL as how
// long the real-time relay keeps a conversation's recent messages; it must
// be what the room namespace of the shipped config says.
func TestRoomHistoryTTLAgrees(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(centrifugo.Dir(), "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Channel struct {
			Namespaces []struct {
				Name       string `json:"name"`
				HistoryTTL string `json:"history_ttl"`
			} `json:"namespaces"`
		} `json:"channel"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	for _, ns := range cfg.Channel.Namespaces {
		if ns.Name == centrifugo.RoomNamespace {
			if d, err := time.ParseDuration(ns.HistoryTTL); err != nil || d != centrifugo.RoomHistoryTTL {
				t.Fatalf("room history_ttl = %q; RoomHistoryTTL = %v", ns.HistoryTTL, centrifugo.RoomHistoryTTL)
			}
			return
		}
	}
	t.Fatal("no room namespace in config.json")
}
