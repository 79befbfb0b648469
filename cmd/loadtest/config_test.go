package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetatet/tetatet/centrifugo"
	"github.com/tetatet/tetatet/matchmaker"
)

func TestTargetsMustBeLoopback(t *testing.T) {
	for _, c := range []struct {
		url    string
		remote bool
		ok     bool
	}{
		{"http://127.0.0.1:8080", false, true},
		{"http://localhost:8080", false, true},
		{"http://[::1]:8080", false, true},
		{"ws://127.0.0.2:8000/connection/websocket", false, true},
		{"http://10.0.0.5:8080", false, false},
		{"https://tetatet.example.org", false, false},
		{"https://tetatet.example.org", true, true},
		{"127.0.0.1:8080", false, false}, // not a URL
	} {
		err := checkTarget(c.url, c.remote)
		if (err == nil) != c.ok {
			t.Errorf("checkTarget(%q, allowRemote=%v) = %v; want ok=%v", c.url, c.remote, err, c.ok)
		}
	}
}

func TestParseLadder(t *testing.T) {
	got, err := parseLadder("250, 500,1000,,4000")
	if err != nil || len(got) != 4 || got[0] != 250 || got[3] != 4000 {
		t.Errorf("parseLadder = %v, %v", got, err)
	}
	for _, bad := range []string{"", "fast", "100,-5", "0"} {
		if _, err := parseLadder(bad); err == nil {
			t.Errorf("parseLadder(%q) = nil error", bad)
		}
	}
}

func TestFitFiles(t *testing.T) {
	c := Config{Users: 2000, MaxInFlight: 5000}
	got, note, err := fitFiles(c, 20000)
	if err != nil || note != "" || got.MaxInFlight != 5000 {
		t.Errorf("20,000 files: %+v %q %v; want it to fit unchanged", got.MaxInFlight, note, err)
	}
	got, note, err = fitFiles(c, 4096)
	if err != nil || got.MaxInFlight != 4096-2000-256 || !strings.Contains(note, "never sent") {
		t.Errorf("4,096 files: in flight %d, note %q, %v; want the cap lowered to %d and said", got.MaxInFlight, note, err, 4096-2000-256)
	}
	if _, _, err := fitFiles(c, 1024); err == nil || !strings.Contains(err.Error(), "-users 768") {
		t.Errorf("1,024 files for 2,000 users: err = %v; want one suggesting -users 768", err)
	}
}

func TestValidate(t *testing.T) {
	ok := Config{URL: "http://127.0.0.1:8080", BotToken: "1:x", APIPath: true, Users: 20, Ladder: []float64{20}, Duration: time.Second,
		MatchPairs: 10, MaxInFlight: 10, Concurrency: 4}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no token", func(c *Config) { c.BotToken = "" }, "bot token"},
		{"odd users", func(c *Config) { c.Users = 21 }, "even"},
		{"too fast for the users", func(c *Config) { c.Ladder = []float64{20, 41} }, "at least 21 users"},
		{"direct without a key", func(c *Config) { c.Direct = true; c.CentrifugoAPIURL = "http://127.0.0.1:9000/api" }, "-direct=false"},
		{"remote", func(c *Config) { c.URL = "http://192.0.2.1:8080" }, "-allow-remote"},
	} {
		c2 := ok
		c.edit(&c2)
		if err := c2.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error saying %q", c.name, err, c.want)
		}
	}
}

// The direct baseline sends an idempotency key only when asked, and then
// the one the API would send for the same message.
func TestDirectIdempotencyKey(t *testing.T) {
	var bodies []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b map[string]any
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			t.Error(err)
		}
		bodies = append(bodies, b)
		w.Write([]byte(`{"result":{}}`))
	}))
	defer srv.Close()
	c := &centrifugoAPI{url: srv.URL + "/api", key: "k", hc: srv.Client(), timeout: time.Second}
	u := &user{room: roomView{ID: "r1", Me: "m1", Channel: "room:r1"}, roomSeq: new(atomic.Int64)}
	for _, keys := range []bool{false, true} {
		p := &population{cfg: Config{DirectKeys: keys}}
		if _, ok, _, _, err := p.directSend(c)(context.Background(), u, "hi", "c7"); err != nil || !ok {
			t.Fatalf("publish: ok %v, %v", ok, err)
		}
	}
	if len(bodies) != 2 {
		t.Fatalf("%d publishes; want 2", len(bodies))
	}
	if k, ok := bodies[0]["idempotency_key"]; ok {
		t.Errorf("without -direct-idempotency the publish carries key %v", k)
	}
	want := centrifugo.MessageKey("r1", matchmaker.Message{From: "m1", ClientMsgID: "c7"})
	if got := bodies[1]["idempotency_key"]; got != want {
		t.Errorf("with -direct-idempotency the key is %v; want the API's %q", got, want)
	}
}
