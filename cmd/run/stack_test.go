package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// stack.json holds a bot token and an API key: only its owner may read it,
// even when an older, looser file was there, and it goes when the run stops.
func TestStackStateIsPrivateAndRemoved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, stackFile)
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	var s stackState
	s.AppURL, s.BotToken, s.CentrifugoAPIKey = "http://127.0.0.1:8080", "1234:dev-x", "key"
	s.PIDs.API, s.PIDs.Centrifugo = 10, 11
	remove, err := writeStackState(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("%s has mode %o; want 600", stackFile, perm)
	}
	b, _ := os.ReadFile(path)
	var got stackState
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: %v\n%s", stackFile, err, b)
	}
	if got != s {
		t.Errorf("read back %+v; wrote %+v", got, s)
	}
	remove()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("%s still there after remove: %v", stackFile, err)
	}
}
